"""The Indikatoren page with fixture statistics (AppTest): picking, comparison, ranking, table,
source lines, and the Zensus series break."""

from __future__ import annotations

import json

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from pipelines.config import load_settings
from pipelines.refresh import import_files
from pipelines.sources import itnrw
from tests.support.apptest import page_tables
from tests.support import itnrw_tables
from tests.test_app import texts


def page(query: dict | None = None) -> AppTest:
    at = AppTest.from_string("from dashboard.screens import indikatoren\nindikatoren.render()", default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def chart_specs(at: AppTest) -> list[dict]:
    """The Vega-Lite specs on the page; Streamlit ships the data separately as Arrow, which is
    put back under `rows`."""
    specs = []
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        spec["rows"] = [
            row for ds in element.proto.datasets for row in pa.ipc.open_stream(ds.data.data).read_all().to_pylist()
        ]
        specs.append(spec)
    return specs


def test_the_page_shows_a_time_series_ranking_and_table_for_the_chosen_indicator(statistics):
    at = page({"indikator": "arbeitslose"})
    assert not at.exception
    picker = at.selectbox[0]
    assert picker.value == "arbeitslose"
    assert "Wirtschaft · Arbeitslose" in picker.options
    assert "Bildung · Kinder unter 6 Jahren" in picker.options
    assert "Verwaltung · Bevölkerung (Summe der Altersjahre)" not in picker.options  # listed = false
    series, ranking = chart_specs(at)
    assert series["title"]["text"] == "Arbeitslose"
    assert series["config"]["locale"]["number"]["decimal"] == ","
    table = page_tables(at)[0].value
    assert table["Region"].tolist() == ["Bad Driburg", "Höxter", "Kreis Höxter", "Nordrhein-Westfalen"]
    assert table["31.12.2024"].tolist() == ["63", "73", "53", "33"]  # 30 + 10 i + 3
    text = texts(at)
    assert "Tabelle 13211-05i" in text and "dl-de/by-2-0" in text and "Stand:** 02.03.2026" in text


def test_the_ranking_puts_the_best_town_first_following_the_direction(statistics):
    at = page({"indikator": "arbeitslose"})  # down: fewer is better
    _, ranking = chart_specs(at)
    assert ranking["layer"][0]["encoding"]["y"]["sort"] == ["Bad Driburg", "Höxter"]
    at = page({"indikator": "gaesteankuenfte"})  # up: more is better
    _, ranking = chart_specs(at)
    assert ranking["layer"][0]["encoding"]["y"]["sort"] == ["Höxter", "Bad Driburg"]


def test_comparison_regions_can_be_added_and_removed(statistics):
    at = page({"indikator": "arbeitslose"})
    comparison = at.multiselect[1]
    assert comparison.label == "Vergleich mit"
    comparison.select("057").unselect("05").run()
    table = page_tables(at)[0].value
    assert sorted(table["Region"].tolist()) == ["Bad Driburg", "Höxter", "Kreis Höxter", "Regierungsbezirk Detmold"]


def test_the_population_series_is_split_at_the_zensus_base_change(statistics):
    at = page({"indikator": "bevoelkerung"})
    series, _ = chart_specs(at)
    assert series["layer"][0]["encoding"]["detail"]["field"] == "segment"
    rows = series["rows"]
    segments = {(r["region"], r["segment"]) for r in rows}
    assert ("Kreis Höxter", "Basis Zensus 2011") in segments and ("Kreis Höxter", "Basis Zensus 2022") in segments
    assert "Bruch in der Reihe" in texts(at)


def _only_the_population_table(env, monkeypatch, tmp_path) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    path = tmp_path / "12411-15i.csv"
    path.write_bytes(itnrw_tables.population_table())
    import_files(load_settings(), [path], sources=[itnrw.SOURCE])


def test_indicators_without_values_are_listed_with_their_reason(env, monkeypatch, tmp_path):
    _only_the_population_table(env, monkeypatch, tmp_path)
    at = page()
    assert not at.exception
    assert at.selectbox[0].options == ["Rahmendaten · Bevölkerung", "Rahmendaten · Katasterfläche",
                                       "Rahmendaten · Bevölkerungsdichte"]  # fmt: skip
    assert at.selectbox[0].value == "bevoelkerung"  # the page opens on the population
    missing = at.dataframe[-1].value
    assert "Tabelle 13211-05i ist nicht geladen." in missing["Grund"].tolist()


def test_the_page_follows_a_new_build(env, monkeypatch, tmp_path):
    """The page keeps its region lists, tables and the indicators without values per warehouse
    build; after the next build the same session shows the new state."""
    _only_the_population_table(env, monkeypatch, tmp_path)
    at = page()
    assert "Arbeitslose" in at.dataframe[-1].value["Indikator"].tolist()
    (tmp_path / "alle").mkdir()
    import_files(load_settings(), itnrw_tables.write_catalogue_tables(tmp_path / "alle"))
    at.run()
    assert not at.exception
    assert "Wirtschaft · Arbeitslose" in at.selectbox[0].options
    missing = at.dataframe[-1].value
    assert "Indikator" not in missing.columns or "Arbeitslose" not in missing["Indikator"].tolist()
