"""The Karte page with fixture statistics and boundaries (AppTest): classes, colours following
the indicator's direction, missing values, the NRW comparison with the Kreis outlined."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import charts, topology
from pipelines.config import load_settings
from pipelines.refresh import import_files
from tests.support import geo, itnrw_tables
from tests.test_app import texts


@pytest.fixture
def statistics_and_boundaries(statistics, tmp_path):
    path = tmp_path / "gemeinden.geojson"
    path.write_bytes(geo.gemeinden_geojson())
    import_files(load_settings(), [path])
    return statistics


def page(query: dict | None = None) -> AppTest:
    at = AppTest.from_string("from dashboard.screens import karte\nkarte.render()", default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def map_spec(at: AppTest) -> dict:
    return json.loads(at.get("vega_lite_chart")[0].proto.spec)


def areas(spec: dict, name: str = "gebiete") -> list[dict]:
    """The properties of the map's areas, read from the TopoJSON the page sends."""
    shapes = [layer["data"]["values"] for layer in spec["layer"] if layer.get("data", {}).get("format", {}).get("type") == "topojson"]
    document = shapes[{"gebiete": 0, "umriss": 1}[name]]  # the areas' layer first, the outline on top
    return [f["properties"] for f in topology.decode(document, topology.OBJECT)]


def test_the_towns_of_the_kreis_are_coloured_with_german_tooltips(statistics_and_boundaries):
    at = page({"indikator": "bevoelkerung"})
    assert not at.exception
    spec = map_spec(at)
    features = areas(spec)
    assert [f["name"] for f in features] == ["Bad Driburg", "Höxter"]
    assert features[0]["wert"] == "1.141 Personen"  # population_series_table: 1000 + 37·3 + 10·3
    assert features[1]["rang"] == "1 von 2"
    assert features[0]["stand"] == "02.03.2026"
    assert spec["params"][0]["name"] == "gebiet"  # a click selects a town
    text = texts(at)
    assert "© GeoBasis-DE / BKG (2024)" in text and "Tabelle 12411-15i" in text and "dl-de/by-2-0" in text


def test_colours_get_darker_towards_the_better_end(statistics_and_boundaries):
    up = map_spec(page({"indikator": "gaesteankuenfte"}))
    down = map_spec(page({"indikator": "arbeitslose"}))
    for spec, best in ((up, "Höxter"), (down, "Bad Driburg")):
        scale = spec["layer"][0]["encoding"]["color"]["scale"]
        colour = dict(zip(scale["domain"], scale["range"]))
        by_name = {f["name"]: colour[f["klasse"]] for f in areas(spec)}
        assert charts.SEQUENTIAL.index(by_name[best]) > charts.SEQUENTIAL.index(
            next(c for n, c in by_name.items() if n != best)
        )


def test_a_missing_value_is_grey_and_named_not_zero(statistics_and_boundaries):
    at = page({"indikator": "uebernachtungen"})
    at.selectbox[1].select(at.selectbox[1].options[-1]).run()  # 2023: Bad Driburg has "."
    spec = map_spec(at)
    driburg = next(f for f in areas(spec) if f["name"] == "Bad Driburg")
    assert driburg["klasse"] == charts.MISSING_CLASS and driburg["wert"] == charts.MISSING_CLASS
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"][-1] == "keine Angabe" and scale["range"][-1] == charts.MISSING_COLOUR


def test_the_nrw_comparison_shows_all_gemeinden_with_the_kreis_outlined(statistics_and_boundaries):
    at = page({"indikator": "bevoelkerung"})
    at.toggle[0].set_value(True).run()
    assert not at.exception
    spec = map_spec(at)
    assert [f["ags"] for f in areas(spec)] == ["05762004", "05762020", "05774032"]
    assert len(areas(spec, "umriss")) == 1
    assert spec["layer"][1]["mark"]["filled"] is False
    assert "beschriftung" not in spec.get("datasets", {})  # 396 names would cover the map of the Land


def test_the_kreis_map_names_its_towns_on_screen_and_in_the_export(statistics_and_boundaries):
    from dashboard import export, views

    import pyarrow as pa

    at = page({"indikator": "bevoelkerung"})
    chart = at.get("vega_lite_chart")[0].proto
    (dataset,) = [d for d in chart.datasets if d.name == "beschriftung"]  # tabular data travel as Arrow
    labels = pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
    assert sorted(label["name"] for label in labels) == ["Bad Driburg", "Höxter"]
    assert all(8.5 < label["lon"] < 9.6 and 51.3 < label["lat"] < 52.0 for label in labels)  # inside the Kreis
    view = views.indicator_map("bevoelkerung")
    svg = export.svg(export.printable(view.chart, view.meta))
    assert svg.count(">Bad Driburg<") == 2 and svg.count(">Höxter<") == 2  # halo and text


@pytest.mark.parametrize("scheme", list(charts.CLASS_SCHEMES))
def test_every_class_scheme_gives_ordered_german_labels(scheme):
    values = [1.0, 2.0, 2.5, 10.0, 11.0, None, 30.0]
    classes = charts.classify(values, scheme, 3, "up", lambda v: f"{v:.1f}".replace(".", ","))
    assert len(classes.labels) == 3 and classes.index[5] is None
    assert classes.index[0] == 0 and classes.index[-1] == 2
    assert classes.labels[-1].endswith("30,0")
    assert classes.colours == sorted(classes.colours, key=charts.SEQUENTIAL.index)


def test_without_boundaries_the_page_says_how_to_get_them(env, monkeypatch, tmp_path):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    table = tmp_path / "12411-15i.csv"
    table.write_bytes(itnrw_tables.population_table())
    import_files(load_settings(), [table])
    at = page()
    assert not at.exception
    assert "xregion refresh --source bkg" in at.warning[0].value


def test_a_shared_link_keeps_the_class_scheme_and_the_number_of_classes(statistics_and_boundaries):
    at = page({"indikator": "bevoelkerung", "einteilung": "equal_interval", "klassen": "3"})
    assert not at.exception
    assert at.radio[0].value == "equal_interval" and at.slider[0].value == 3
    assert at.query_params["einteilung"] in ("equal_interval", ["equal_interval"])
    at.slider[0].set_value(6).run()
    assert at.query_params["klassen"] in ("6", ["6"])  # what a copied link now carries
    odd = page({"indikator": "bevoelkerung", "klassen": "99"})
    assert not odd.exception and odd.slider[0].value == 5


def test_the_indicator_carries_over_from_indikatoren_to_karte(statistics_and_boundaries):
    script = (
        "import streamlit as st\n"
        "from dashboard.screens import indikatoren, karte\n"
        "(karte if st.session_state.get('seite') == 'karte' else indikatoren).render()\n"
    )
    at = AppTest.from_string(script, default_timeout=60).run()
    at.selectbox[0].set_value("arbeitslose").run()
    at.session_state["seite"] = "karte"
    at.query_params.clear()  # a page change in the sidebar starts without the other page's URL
    at.run()
    assert not at.exception
    assert at.selectbox[0].value == "arbeitslose"
