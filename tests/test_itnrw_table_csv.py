from datetime import date

import polars as pl
import pytest

from pipelines.errors import ParseError
from pipelines.parsers.itnrw_table_csv import parse_itnrw_table_csv
from tests.conftest import reference_file
from tests.support import itnrw_tables
from tests.support.frames import one_row as _one


def test_population_table_head_values_and_foot():
    t = parse_itnrw_table_csv(itnrw_tables.population_table(), "t.csv")
    assert t.table_code == "12411-15i"
    assert t.title.startswith("Katasterfläche (qkm), Bevölkerung")
    assert t.data_stand == date(2026, 3, 2)
    assert t.copyright.startswith("© IT.NRW")
    assert "sind erfunden;\nsie dienen" in t.footnotes  # multi-line quoted footnote kept whole
    assert t.values.height == 7 * 3
    row = _one(t.values, ags="05762020", unit="Anzahl")
    assert row["value"] == 1000 + 37 * 4
    assert row["region_name"] == "Höxter, Stadt" and row["region_depth"] == 3
    assert row["period"] == date(2024, 12, 31)
    assert row["variable"].startswith("Bevölkerungsstand")
    assert row["statistic"] == "Fortschreibung des Bevölkerungsstandes"
    assert row["source_line"] == 10
    area = _one(t.values, ags="05762020", unit="qkm")
    assert area["value"] == pytest.approx(14.25)  # decimal comma


def test_classification_column_and_missing_symbols():
    t = parse_itnrw_table_csv(itnrw_tables.age_table(), "age.csv")
    assert t.dimension_labels == ["Merkmal 1"]
    assert t.values.height == 2 * 3 * 3
    row = _one(t.values, ags="05762004", period=date(2024, 12, 31), classification="Merkmal 1: unter 18 Jahre")
    assert row["value"] == 120
    secret = _one(t.values, ags="05762004", period=date(2024, 12, 31), classification="Merkmal 1: 65 Jahre und mehr")
    assert secret["value"] is None and secret["symbol"] == "."


def test_region_by_name_and_years_in_a_header_row():
    t = parse_itnrw_table_csv(itnrw_tables.years_in_header_table(), "betten.csv")
    assert set(t.values["ags"].to_list()) == {None}
    assert set(t.values["region_name"]) == {"Höxter, Kreis", "Bad Driburg, Stadt"}
    kreis = _one(t.values, region_name="Höxter, Kreis", period=date(2023, 12, 31))
    assert kreis["value"] == 5100 and kreis["variable"] == "Angebotene Betten" and kreis["unit"] == "Anzahl"
    # "-" means "nothing there", exactly zero; "x" is blocked: no value
    assert _one(t.values, region_name="Höxter, Kreis", period=date(2024, 12, 31))["value"] == 0.0
    blocked = _one(t.values, region_name="Bad Driburg, Stadt", period=date(2024, 12, 31))
    assert blocked["value"] is None and blocked["symbol"] == "x"


def test_utf8_files_saved_again_by_a_user_are_read_too():
    latin = itnrw_tables.population_table()
    t = parse_itnrw_table_csv(b"\xef\xbb\xbf" + latin.decode("latin-1").encode("utf-8"), "utf8.csv")
    assert _one(t.values, ags="05762020", unit="Anzahl")["region_name"] == "Höxter, Stadt"


def test_windows_line_ends_and_windows_1252_typography_are_read():
    text = itnrw_tables.population_table().decode("latin-1").replace("erfunden;", "„erfunden“ – ")
    t = parse_itnrw_table_csv(text.replace("\n", "\r\n").encode("cp1252"), "excel.csv")
    assert _one(t.values, ags="05762020", unit="Anzahl")["region_name"] == "Höxter, Stadt"
    assert "„erfunden“ – " in t.footnotes
    assert t.values["region_name"].str.contains("\r").sum() == 0
    assert t.data_stand == date(2026, 3, 2)


def _broken(original: bytes, old: str, new: str) -> bytes:
    text = original.decode("latin-1")
    assert old in text
    return text.replace(old, new, 1).encode("latin-1")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("Tabelle: 12411-15i", "Tabelle 12411-15i", "Zeile 1: die erste Zeile nennt keine Tabelle"),
        ("31.12.2024;05762020;      Höxter, Stadt;1148;", "31.12.2024;05762020;      Höxter, Stadt;1148;;",
         "Zeile 10: die Datenzeile hat 7 statt 6 Spalten"),
        ("Höxter, Stadt;1148;", "Höxter, Stadt;11 48;", "Zeile 10: Spalte 4: „11 48“ ist weder Zahl noch Zeichen"),
        ("Höxter, Stadt;1148;", "Höxter, Stadt;1.148;", "Zeile 10: Spalte 4: „1.148“ ist weder Zahl noch Zeichen"),
        ("Höxter, Stadt;1148;14,25;", "Höxter, Stadt;1148;", "Zeile 10: die Datenzeile hat 5 statt 6 Spalten"),
        ("31.12.2024;05762020", "Ende 2024;05762020", "Zeile 10"),
    ],
)  # fmt: skip
def test_unknown_layouts_fail_naming_file_and_line(old, new, expected):
    content = _broken(itnrw_tables.population_table(), old, new)
    with pytest.raises(ParseError) as err:
        parse_itnrw_table_csv(content, "kaputt.csv")
    assert err.value.message.startswith("kaputt.csv, Zeile")
    assert expected in err.value.message
    assert "Landesdatenbank NRW" in err.value.hint


def test_blanks_around_cells_are_stripped():
    text = itnrw_tables.population_table().decode("latin-1")
    text = text.replace(";05762020;", "; 05762020 ;").replace(
        "Höxter, Stadt;1148;14,25;", "Höxter, Stadt ; 1148 ;14,25 ;"
    )
    t = parse_itnrw_table_csv(text.encode("latin-1"), "blanks.csv")
    row = _one(t.values, ags="05762020", unit="Anzahl")
    assert row["value"] == 1148 and row["region_name"] == "Höxter, Stadt" and row["region_depth"] == 3
    assert _one(t.values, ags="05762020", unit="qkm")["value"] == pytest.approx(14.25)


def test_a_file_without_data_rows_is_refused():
    head = b"Tabelle: 12411-15i\nTitel;;\n;;Anzahl\n"
    with pytest.raises(ParseError, match="keine Datenzeile"):
        parse_itnrw_table_csv(head, "leer.csv")


@pytest.mark.integration
def test_reference_table_12411_15i_as_delivered_by_it_nrw():
    path = reference_file("itnrw/12411-15i.csv")
    t = parse_itnrw_table_csv(path.read_bytes(), path.name)
    assert t.table_code == "12411-15i"
    assert t.data_stand == date(2026, 1, 19)
    hoexter = t.values.filter(pl.col("ags") == "05762020")
    assert set(hoexter["period"]) == {date(2024, 12, 31)}
    assert hoexter.filter(pl.col("unit") == "Anzahl")["value"].to_list() == [28166]
    assert hoexter.filter(pl.col("unit") == "qkm")["value"].to_list() == [pytest.approx(158.16)]
    assert hoexter["region_name"].to_list()[0] == "Höxter, Stadt"
    towns = t.values.filter(pl.col("ags").str.starts_with("05762") & (pl.col("ags").str.len_chars() == 8))
    assert towns["ags"].n_unique() == 10
    keys = t.values["ags"].str.len_chars().unique().sort().to_list()
    assert keys == [2, 3, 5, 8]  # mixed key lengths
    assert "Zensus 2022" in t.footnotes
