"""The real IT.NRW tables of ../shared/reference/itnrw, read in place: the numbers an analyst can
look up in the files themselves, for Höxter, Stadt (05762020) and Kreis Höxter (05762)."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.parsers.itnrw_table_csv import parse_itnrw_table_csv
from pipelines.refresh import import_files
from tests.conftest import reference_file
from tests.support.warehouse import rows

pytestmark = pytest.mark.integration

GRUNDSICHERUNG = "Grundsicherung im Alter und bei Erwerbsminderung nach dem SGB XII"


def _values(code: str, ags: str) -> dict[str, float]:
    path = reference_file(f"itnrw/{code}.csv")
    table = parse_itnrw_table_csv(path.read_bytes(), path.name)
    frame = table.values.filter(pl.col("ags") == ags)
    assert frame.select("classification", "variable").is_duplicated().sum() == 0
    return dict(zip(frame["classification"], frame["value"]))


def test_22811_05i_labels_each_column_by_its_own_header_path():
    town = _values("22811-05i", "05762020")
    assert town == {
        "Gesamtregelleistung (ALG II/Sozialgeld) nach dem SGB II": 1385,  # columns 4 and 6, merged
        "Insgesamt": 1985,
        "Hilfe zum Lebensunterhalt außerhalb von Einrichtungen nach dem SGB XII": 50,
        f"{GRUNDSICHERUNG} | Insgesamt": 360,
        f"{GRUNDSICHERUNG} | im Alter": 195,
        f"{GRUNDSICHERUNG} | bei Erwerbsminderung": 165,
        "Regelleistungen nach dem Asylbewerberleistungsgesetz": 190,
    }
    assert _values("22811-05i", "05762")["Insgesamt"] == 10222
    path = reference_file("itnrw/22811-05i.csv")
    table = parse_itnrw_table_csv(path.read_bytes(), path.name)
    assert table.notes and "Spalte 6 wiederholt Spalte 4" in table.notes[0]
    assert table.title.startswith("Sozialberichterstattung in der amtlichen Statistik: Empfänger/innen von sozialen")
    assert table.title.endswith("nach Art der Leistung - Gemeinden (Wohnortprinzip) - Jahr")
    assert set(table.values["unit"]) == {"Anzahl"}
    assert set(table.values["variable"]) == {"Empfänger/innen von soz. Mindestsicherungsleistung"}


def test_12411_09i_ages_are_classifications_and_the_unit_row_is_the_unit():
    kreis = _values("12411-09i", "05762")
    name = "Altersjahre (unter 1 bis 90 Jahre und mehr)"
    assert kreis[f"{name}: Insgesamt"] == 139252
    assert kreis[f"{name}: unter 1 Jahr"] == 1137
    assert kreis[f"{name}: 1 bis unter 2 Jahre"] == 1163
    assert len(kreis) == 92
    assert sum(v for k, v in kreis.items() if not k.endswith("Insgesamt")) == 139252


@pytest.fixture
def real_warehouse(settings, tmp_path):
    files = [reference_file(f"itnrw/{code}.csv") for code in ("12411-15i", "22811-05i", "12411-09i")]
    _, report = import_files(settings, files)
    assert report.quarantined == []
    return settings


def test_the_catalogue_finds_its_indicators_in_the_real_tables(real_warehouse):
    status = dict(rows(real_warehouse, "SELECT indicator_id, status FROM marts.indicators"))
    for indicator in ("anteil_65_plus", "anteil_unter_18", "mindestsicherung", "mindestsicherungsquote"):
        assert status[indicator] == "ok", indicator
    values = dict(
        ((i, a), v) for i, a, v in rows(real_warehouse,
        "SELECT indicator_id, ags, value FROM marts.indicator_values WHERE period = '2024-12-31'")
    )  # fmt: skip
    assert values[("mindestsicherung", "05762020")] == 1985
    assert values[("mindestsicherung", "05762")] == 10222
    assert values[("mindestsicherungsquote", "05762")] == pytest.approx(10222 / 139252 * 1000)
    assert values[("mindestsicherungsquote", "05762020")] == pytest.approx(1985 / 28166 * 1000)
    for ags in ("05", "057", "05762"):  # the downloader's 12411-09i holds Land, Regierungsbezirke, Kreise
        assert ("anteil_65_plus", ags) in values and ("anteil_unter_18", ags) in values
    assert values[("anteil_65_plus", "05762")] == pytest.approx(34636 / 139252 * 100)
    assert values[("anteil_unter_18", "05762")] == pytest.approx(23250 / 139252 * 100)


def test_real_regions_are_the_current_ones_and_kreisfreie_staedte_have_gemeinde_keys(real_warehouse):
    regions = dict(rows(real_warehouse, "SELECT ags, name FROM marts.regions"))
    assert "05354" not in regions and "05313" not in regions  # dissolved into the StädteRegion Aachen
    assert [a for a, n in regions.items() if n == "Aachen"] == ["05334002"]
    assert rows(real_warehouse, "SELECT count(*) FROM marts.regions WHERE level = 'gemeinde'") == [(396,)]
    assert rows(real_warehouse, "SELECT value FROM marts.indicator_values WHERE indicator_id = 'bevoelkerung' "
                                "AND ags = '05711000'") == [(331605.0,)]  # Bielefeld, krfr. Stadt  # fmt: skip
    # the former units stay queryable in the table mart
    former = rows(real_warehouse, "SELECT count(*), count(value) FILTER (WHERE symbol IS NULL) FROM marts.table_values "
                                  "WHERE ags LIKE '05354%'")  # fmt: skip
    assert former[0][0] > 0 and former[0][1] == 0
    source = rows(real_warehouse, "SELECT DISTINCT source FROM marts.table_values")
    assert source == [("IT.NRW, Landesdatenbank NRW",)]
