"""The indicator catalogue and its marts: selection, derived rates in SQL, the Zensus series break,
and the refusal to show ambiguous numbers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.catalogue import load_catalogue
from pipelines.config import load_settings
from pipelines.errors import ConfigError
from pipelines.rawstore import RawStore
from pipelines.refresh import import_files, refresh
from pipelines.sources import itnrw
from tests.support import itnrw_tables

CATALOGUE = load_settings(env={}).catalogue_path


def build(settings, tmp_path: Path, tables: dict[str, bytes]) -> duckdb.DuckDBPyConnection:
    paths = []
    for code, body in tables.items():
        path = tmp_path / f"{code}.csv"
        path.write_bytes(body)
        paths.append(path)
    import_files(settings, paths)
    return duckdb.connect(str(settings.db_path), read_only=True)


def value(con, indicator_id: str, ags: str, period: str):
    rows = con.execute(
        "SELECT value FROM marts.indicator_values WHERE indicator_id = ? AND ags = ? AND period = ?",
        [indicator_id, ags, period],
    ).fetchall()
    return rows[0][0] if rows else None


def status(con, indicator_id: str) -> tuple[str, str | None]:
    return con.execute(
        "SELECT status, status_message FROM marts.indicators WHERE indicator_id = ?", [indicator_id]
    ).fetchone()


# --- the committed catalogue ----------------------------------------------------------------


def test_the_catalogue_covers_the_handlungsfelder_and_tables_the_kreis_needs():
    catalogue = load_catalogue(CATALOGUE)
    listed = [i for i in catalogue.indicator if i.listed]
    assert len(listed) >= 15
    # population, area and density are the context of everything else, no field of action (issue 15);
    # Mobilität and Verwaltung have no official indicator in the eight tables (their KPIs are in the register)
    assert {i.handlungsfeld for i in listed} == {"Rahmendaten", "Wirtschaft", "Bildung", "Gesundheit", "Tourismus", "Umwelt"}
    assert {i.id for i in listed if i.handlungsfeld == "Rahmendaten"} == {"bevoelkerung", "flaeche", "bevoelkerungsdichte"}
    assert catalogue.handlungsfelder[0] == "Rahmendaten"
    assert set(catalogue.tables) >= {
        "12411-15i", "12411-09i", "22811-05i", "13211-05i", "45412-04i", "45412-01i", "31231-01i", "22541-01i",
    }  # fmt: skip
    configured = load_settings(env={}).sources.itnrw.tables
    assert set(catalogue.tables) <= set(configured), "every catalogue table must be fetched"


BASE_ENTRY = {"id": "zahl", "title": "Zahl", "unit": "Anzahl", "handlungsfeld": "Wirtschaft", "direction": "up",
              "definition": "d", "table": "12411-15i", "variable": "Bev%"}  # fmt: skip


def toml_entry(fields: dict) -> str:
    return "[[indicator]]\n" + "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in fields.items()) + "\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "Bad Id"}, "Indikator 2 („Bad Id“), Feld id: nur Kleinbuchstaben"),
        ({"handlungsfeld": "Sport"}, "Handlungsfeld „Sport“ steht nicht in handlungsfelder"),
        ({"numerator": "zahl", "denominator": "zahl", "factor": 100}, "entweder table"),
        ({"table": None, "variable": None, "numerator": "fehlt", "denominator": "zahl", "factor": 100},
         "numerator „fehlt“ gibt es nicht"),
        ({"age_from": 65, "age_to": 18}, "age_to muss größer"),
        ({"series_break": "zensus2011"}, "Feld series_break: unbekannt"),
        ({"id": "zahl"}, "„zahl“ ist doppelt vergeben"),
    ],
)
def test_a_broken_catalogue_entry_is_named_in_german(tmp_path, change, message):
    second = {k: v for k, v in {**BASE_ENTRY, "id": "quote", **change}.items() if v is not None}
    path = tmp_path / "indicators.toml"
    path.write_text(
        'source = "IT.NRW"\nlicence = "dl-de/by-2-0"\nhandlungsfelder = ["Wirtschaft"]\n'
        + toml_entry(BASE_ENTRY)
        + toml_entry(second),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_catalogue(path)
    assert str(path) in caught.value.message
    assert message in caught.value.message


def test_a_broken_catalogue_stops_a_refresh_before_anything_is_fetched(settings, fake_server, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("handlungsfelder = [", encoding="utf-8")
    settings.indicators.catalogue = broken
    with pytest.raises(ConfigError, match="kein gültiges TOML"):
        refresh(settings, sources=[itnrw.SOURCE])
    assert fake_server.requests == []
    assert RawStore(settings.raw_dir).current("itnrw") == []


# --- values ------------------------------------------------------------------------------------


@pytest.fixture
def con(settings, tmp_path):
    with build(settings, tmp_path, itnrw_tables.catalogue_tables()) as connection:
        yield connection


def test_every_indicator_of_the_catalogue_gets_values_from_the_tables(con):
    rows = con.execute("SELECT indicator_id, status, status_message FROM marts.indicators").fetchall()
    assert len(rows) == len(load_catalogue(CATALOGUE).indicator)
    assert [r for r in rows if r[1] != "ok"] == []


def test_base_values_for_the_towns_the_kreis_regbez_and_nrw(con):
    # one_value_table: region i has base + 10 i + year offset; Arbeitslose base 30
    assert value(con, "arbeitslose", "05762020", "2024-12-31") == 30 + 10 * 4 + 3
    regions = {r[0] for r in con.execute("SELECT DISTINCT ags FROM marts.indicator_values WHERE indicator_id = 'arbeitslose'").fetchall()}
    assert {"05", "057", "05762", "05762004", "05762020"} <= regions


def test_age_shares_are_sums_of_single_years_computed_in_sql(con):
    people = {age: 10 + age % 7 for age in range(91)}  # age_by_year_table: 90 = "90 Jahre und mehr"
    total = sum(people.values())
    over_65 = sum(n for age, n in people.items() if age >= 65)
    under_18 = sum(n for age, n in people.items() if age < 18)
    assert value(con, "bevoelkerung_alle_alter", "05762004", "2024-12-31") == total  # not double the "Insgesamt" row
    assert value(con, "anteil_65_plus", "05762004", "2024-12-31") == pytest.approx(100 * over_65 / total)
    assert value(con, "anteil_unter_18", "05762004", "2024-12-31") == pytest.approx(100 * under_18 / total)


def test_rates_use_the_denominator_of_the_same_year(con):
    # tourism_table: arrivals 1000 (i + 1), nights 3 × arrivals; population (12411-15i) 1000 + 37 i + 10 y
    i, y = 3, 3  # Bad Driburg, 2024
    assert value(con, "aufenthaltsdauer", "05762004", "2024-12-31") == pytest.approx(3.0)
    assert value(con, "tourismusintensitaet", "05762004", "2024-12-31") == pytest.approx(
        3000 * (i + 1) / (1000 + 37 * i + 10 * y) * 1000
    )


def test_a_missing_value_symbol_is_left_out_not_counted_as_zero(con):
    assert value(con, "uebernachtungen", "05762004", "2023-12-31") is None
    assert value(con, "aufenthaltsdauer", "05762004", "2023-12-31") is None
    assert value(con, "uebernachtungen", "05762020", "2023-12-31") == 3 * 5000


def test_population_series_carry_the_zensus_base_and_the_break_reaches_derived_rates(con):
    breaks = con.execute(
        "SELECT period::VARCHAR, series_break FROM marts.indicator_values "
        "WHERE indicator_id = 'bevoelkerung' AND ags = '05762' ORDER BY period"
    ).fetchall()
    assert breaks == [
        ("2021-12-31", "Basis Zensus 2011"), ("2022-12-31", "Basis Zensus 2022"),
        ("2023-12-31", "Basis Zensus 2022"), ("2024-12-31", "Basis Zensus 2022"),
    ]  # fmt: skip
    rate = con.execute(
        "SELECT series_break FROM marts.indicator_values WHERE indicator_id = 'arbeitslose_je_1000' "
        "AND ags = '05762' AND period = '2021-12-31'"
    ).fetchone()
    assert rate == ("Basis Zensus 2011",)
    assert con.execute(
        "SELECT count(*) FROM marts.indicator_values WHERE indicator_id = 'arbeitslose' AND series_break IS NOT NULL"
    ).fetchone() == (0,)


def test_the_mart_carries_unit_source_table_and_data_stand(con):
    row = con.execute(
        "SELECT unit, source_table, data_stand::VARCHAR FROM marts.indicator_values "
        "WHERE indicator_id = 'kita_plaetze_je_100_kinder' LIMIT 1"
    ).fetchone()
    assert row == ("je 100 Kinder", "22541-01i, 12411-09i", "2026-03-02")
    meta = con.execute(
        "SELECT title, handlungsfeld, direction, table_code, licence FROM marts.indicators WHERE indicator_id = 'betten'"
    ).fetchone()
    assert meta[:4] == ("Angebotene Schlafgelegenheiten", "Tourismus", "up", "45412-01i")
    assert "dl-de/by-2-0" in meta[4]


# --- ambiguity is refused, never guessed -------------------------------------------------------


def test_an_age_group_straddling_the_bound_makes_the_share_unusable(settings, tmp_path):
    tables = itnrw_tables.catalogue_tables()
    grouped = (
        tables["12411-09i"].decode("latin-1").replace(";65 Jahre;", ";60 bis unter 70 Jahre;")
    )  # "65 Jahre" becomes a group crossing the 65 bound (and overlapping 60–64)
    tables["12411-09i"] = grouped.encode("latin-1")
    with build(settings, tmp_path, tables) as con:
        state, message = status(con, "bevoelkerung_65_plus")
        assert state == "mehrdeutig"
        assert "60 bis unter 70 Jahre" in message and "12411-09i" in message
        assert status(con, "anteil_65_plus")[0] == "grundwerte_fehlen"
        assert value(con, "anteil_65_plus", "05762004", "2024-12-31") is None
        assert status(con, "bevoelkerung")[0] == "ok"  # the rest of the catalogue is unaffected


def test_an_age_table_without_the_open_end_group_is_incomplete(settings, tmp_path):
    tables = itnrw_tables.catalogue_tables()
    tables["12411-09i"] = tables["12411-09i"].decode("latin-1").replace("90 Jahre und mehr", "90 Jahre").encode("latin-1")
    with build(settings, tmp_path, tables) as con:
        state, message = status(con, "bevoelkerung_80_plus")
        assert state == "mehrdeutig" and "offene Altersgruppe" in message
        assert status(con, "bevoelkerung_unter_18")[0] == "ok"  # a closed range does not need it


def test_a_pattern_matching_two_value_columns_is_ambiguous(settings, tmp_path):
    tables = itnrw_tables.catalogue_tables()
    tables["45412-04i"] = tables["45412-04i"].decode("latin-1").replace("Gästeankünfte", "Übernachtungen (Ankünfte)").encode("latin-1")
    with build(settings, tmp_path, tables) as con:
        state, message = status(con, "uebernachtungen")
        assert state == "mehrdeutig" and "2 passende Werte statt einem" in message
        assert con.execute("SELECT count(*) FROM marts.indicator_values WHERE indicator_id = 'uebernachtungen'").fetchone() == (0,)


def test_a_table_without_a_matching_column_names_the_columns_it_has(settings, tmp_path):
    tables = itnrw_tables.catalogue_tables()
    tables["13211-05i"] = tables["13211-05i"].decode("latin-1").replace(";Arbeitslose", ";Erwerbslose").encode("latin-1")
    del tables["22541-01i"]
    with build(settings, tmp_path, tables) as con:
        state, message = status(con, "arbeitslose")
        assert state == "keine_werte"
        assert "„%Arbeitslose%“" in message and "Vorhandene Wertespalten: Erwerbslose" in message
        assert status(con, "kita_plaetze") == ("tabelle_fehlt", "Tabelle 22541-01i ist nicht geladen.")
        assert status(con, "arbeitslose_je_1000")[0] == "grundwerte_fehlen"


def test_the_real_12411_15i_gives_population_area_and_density(settings, tmp_path):
    from tests.conftest import reference_file

    path = reference_file("itnrw/12411-15i.csv")
    import_files(settings, [path])
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert value(con, "bevoelkerung", "05762020", "2024-12-31") == 28166
        assert value(con, "flaeche", "05762020", "2024-12-31") == pytest.approx(158.16)
        assert status(con, "bevoelkerungsdichte")[0] == "ok"
        towns = con.execute(
            "SELECT count(*) FROM marts.indicator_values WHERE indicator_id = 'bevoelkerung' AND ags LIKE '05762___'"
        ).fetchone()
        assert towns == (10,)
