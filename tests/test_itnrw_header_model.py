"""The header model of the IT.NRW table family on small, awkward fixtures of our own: the unit in
a title line, label rows last, sub-splits over some columns only, repeated columns, classification
names, regions by name only, tables of the Regionaldatenbank."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.errors import ParseError
from pipelines.parsers.itnrw_table_csv import parse_itnrw_table_csv
from pipelines.region_names import known_names, resolve_region_names
from tests.support import itnrw_tables
from tests.support.frames import one_row as _one


def test_sub_split_belongs_only_to_the_columns_it_stands_above():
    t = parse_itnrw_table_csv(itnrw_tables.benefits_table(), "22811-05i.csv")
    hx = t.values.filter((pl.col("ags") == "05762020") & (pl.col("period_label") == "2024"))
    classes = set(hx["classification"])
    assert "Regelleistungen nach dem Asylbewerberleistungsgesetz" in classes  # not "… | bei Erwerbsminderung"
    assert "Grundsicherung nach dem SGB XII | bei Erwerbsminderung" in classes
    assert _one(hx, classification="Insgesamt")["value"] == 50 + 10 * 4 + 3
    assert _one(hx, classification="Grundsicherung nach dem SGB XII | im Alter")["value"] == 6
    assert set(hx["variable"]) == {"Empfänger/innen von soz. Mindestsicherungsleistung"}
    assert set(hx["unit"]) == {"Anzahl"}
    # the last title line names the statistic; the title keeps all other lines
    assert set(hx["statistic"]) == {"Sozialberichterstattung in der amtlichen Statistik"}
    assert t.title == (
        "Sozialberichterstattung in der amtlichen Statistik: Empfänger von Mindestsicherungsleistungen (Testtabelle) "
        "nach Art der Leistung - Gemeinden (Wohnortprinzip) - Jahr"
    )
    assert "Datenquellen:" in t.footnotes


def test_a_repeated_column_with_the_same_values_is_merged_with_a_note():
    t = parse_itnrw_table_csv(itnrw_tables.benefits_table(), "22811-05i.csv")
    sgb2 = t.values.filter(
        (pl.col("ags") == "05762020") & (pl.col("classification") == "Gesamtregelleistung nach dem SGB II")
    )
    assert sgb2.height == 4  # one per year, not two
    assert t.notes == [
        "Spalte 6 wiederholt Spalte 4 („Empfänger/innen von soz. Mindestsicherungsleistung | Gesamtregelleistung nach "
        "dem SGB II | Anzahl“) mit denselben Werten und wurde mit ihr zusammengeführt."
    ]


def test_a_repeated_column_with_other_values_fails_naming_both_columns():
    text = itnrw_tables.benefits_table().decode("latin-1")
    text = text.replace("2024;05762020;      Höxter, Stadt;34;93;34;", "2024;05762020;      Höxter, Stadt;34;93;35;")
    with pytest.raises(ParseError) as err:
        parse_itnrw_table_csv(text.encode("latin-1"), "22811-05i.csv")
    assert "die Spalten 4 und 6 haben dieselbe Überschrift" in err.value.message
    assert err.value.message.startswith("22811-05i.csv, Zeile ")
    assert "aber verschiedene Werte" in err.value.message


def test_classification_name_row_and_labels_last_before_the_unit_row():
    t = parse_itnrw_table_csv(itnrw_tables.age_columns_table(), "12411-09i.csv")
    kreis = t.values.filter(pl.col("ags") == "05762")
    assert set(kreis["variable"]) == {"Bevölkerungsstand (Basis Zensus 2022 und früher)"}
    assert set(kreis["unit"]) == {"Anzahl"}
    assert set(kreis["statistic"]) == {"Fortschreibung des Bevölkerungsstandes"}
    assert _one(kreis, classification="Altersjahre (unter 1 bis 5 Jahre und mehr): Insgesamt")["value"] == 75
    assert _one(kreis, classification="Altersjahre (unter 1 bis 5 Jahre und mehr): 2 bis unter 3 Jahre")["value"] == 12
    assert t.title == "Bevölkerungsstand nach Altersjahren (5) - Gemeinden - Stichtag"


def test_unit_in_the_title_line_and_the_labels_in_the_last_header_row():
    t = parse_itnrw_table_csv(itnrw_tables.unit_in_title_table(), "13111-01i.csv")
    hx = t.values.filter(pl.col("ags") == "05762020")
    assert set(hx["unit"]) == {"Anzahl"}
    assert set(hx["variable"]) == {"Sozialversicherungspfl. Beschäftigte (Arbeitsort)"}
    assert sorted(hx["classification"]) == ["Insgesamt", "männlich", "weiblich"]
    assert _one(hx, classification="männlich")["value"] == 164
    assert t.values.select("ags", "classification").is_duplicated().sum() == 0  # rows do not collide


@pytest.mark.parametrize("extra_header_row", [False, True])
def test_regions_by_name_get_their_official_key(extra_header_row):
    t = parse_itnrw_table_csv(itnrw_tables.names_only_table(extra_header_row), "31231-01i.csv")
    assert t.values["ags"].null_count() == t.values.height  # the file has no keys
    known = known_names([(ags, name) for ags, name, _ in itnrw_tables.REGIONS])
    resolved = resolve_region_names(t.values, known, "31231-01i.csv")
    assert resolved["ags"].null_count() == 0
    assert _one(resolved, region_name="Höxter, Stadt")["ags"] == "05762020"
    assert _one(resolved, region_name="Detmold, Regierungsbezirk")["ags"] == "057"
    assert _one(resolved, region_name="Nordrhein-Westfalen")["value"] == 700


def test_indentation_tells_towns_of_the_same_name_apart():
    values = pl.DataFrame(
        {"ags": [None, None, None, None], "region_name": ["Kreis A", "Neustadt", "Kreis B", "Neustadt"],
         "region_depth": [0, 1, 0, 1], "source_line": [10, 11, 12, 13]},
        schema={"ags": pl.String, "region_name": pl.String, "region_depth": pl.Int32, "source_line": pl.Int32},
    )  # fmt: skip
    known = known_names([("05111", "Kreis A"), ("05111004", "Neustadt"), ("05222", "Kreis B"), ("05222008", "Neustadt")])
    resolved = resolve_region_names(values, known, "t.csv")
    assert resolved["ags"].to_list() == ["05111", "05111004", "05222", "05222008"]


def test_a_name_without_exactly_one_region_fails_naming_line_and_name():
    t = parse_itnrw_table_csv(itnrw_tables.names_only_table(), "31231-01i.csv")
    known = known_names([(ags, name) for ags, name, _ in itnrw_tables.REGIONS if name != "Bad Driburg, Stadt"])
    with pytest.raises(ParseError) as err:
        resolve_region_names(t.values, known, "31231-01i.csv")
    assert err.value.message == (
        "31231-01i.csv, Zeile 8: der Regionsname „Bad Driburg, Stadt“ passt zu keiner bekannten Region."
    )


def test_the_footer_tells_the_publisher():
    assert parse_itnrw_table_csv(itnrw_tables.population_table(), "a.csv").publisher == "itnrw"
    rdb = parse_itnrw_table_csv(itnrw_tables.regionaldatenbank_table(), "b.csv")
    assert rdb.table_code == "12411-02-03-4"
    assert rdb.publisher == "regionalstatistik"
