"""The analysts' read-only SQL console and the Parquet export."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.refresh import import_files
from pipelines.sqlconsole import EXAMPLES, QueryRefused, export_parquet, run_query
from tests.support import itnrw_tables


@pytest.fixture
def warehouse(settings, tmp_path):
    table = tmp_path / "12411-15i.csv"
    table.write_bytes(itnrw_tables.population_table())
    import_files(settings, [table])
    return settings.db_path


def test_a_query_over_the_marts_returns_a_table(warehouse):
    result = run_query(warehouse, "SELECT name, population FROM regions WHERE ags = '05762020'")
    assert result.frame.rows() == [("Höxter", 1148)] and not result.truncated


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_example_query_runs(warehouse, name):
    run_query(warehouse, EXAMPLES[name])


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DELETE FROM marts.regions", "Nur lesende Abfragen"),
        ("CREATE TABLE x AS SELECT 1", "Nur lesende Abfragen"),
        ("SELECT * FROM read_csv('/etc/passwd')", "gesperrt"),
        ("SELECT * FROM '/etc/passwd'", "Table with name /etc/passwd does not exist"),  # no file scan
        ("COPY (SELECT 1) TO '/tmp/xregion-console-test.csv'", "COPY"),
        ("ATTACH '/tmp/other.duckdb' AS other", "ATTACH"),
        ("INSTALL httpfs", "gesperrt"),
        ("LOAD httpfs", "gesperrt"),
        ("SET enable_external_access = true", "SET, RESET und USE"),
        ("SELECT * FROM read_text('http://example.org/')", "gesperrt"),
    ],
)
def test_writes_files_network_and_extensions_are_refused(warehouse, sql, message):
    with pytest.raises(QueryRefused) as caught:
        run_query(warehouse, sql)
    assert message in caught.value.message
    assert not __import__("pathlib").Path("/tmp/xregion-console-test.csv").exists()


def test_a_long_query_is_stopped(warehouse):
    with pytest.raises(QueryRefused, match="nach 0,5 Sekunden abgebrochen"):
        run_query(warehouse, "SELECT count(*) FROM range(1000000000000) a", timeout_s=0.5)


def test_too_many_rows_are_cut_and_said(warehouse):
    result = run_query(warehouse, "SELECT * FROM range(50)", max_rows=10)
    assert result.frame.height == 10 and result.truncated


def test_parquet_export_of_all_marts(warehouse, tmp_path):
    files = export_parquet(warehouse, tmp_path / "parquet")
    names = sorted(f.stem for f in files)
    assert {"regions", "indicators", "indicator_values", "measures", "kpi_progress", "funding"} <= set(names)
    regions = pl.read_parquet(tmp_path / "parquet" / "regions.parquet")
    assert "Höxter" in regions["name"].to_list()


def test_the_console_on_the_daten_page_runs_and_refuses(warehouse, env, monkeypatch):
    from streamlit.testing.v1 import AppTest

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    at = AppTest.from_string("from dashboard.screens import daten\ndaten.render()", default_timeout=60).run()
    next(b for b in at.button if b.label == "Abfrage ausführen").click().run()
    assert not at.exception
    assert "Höxter" in at.dataframe[-1].value["name"].tolist()
    at.text_area[0].set_value("DROP TABLE marts.regions").run()
    next(b for b in at.button if b.label == "Abfrage ausführen").click().run()
    assert "Nur lesende Abfragen" in at.error[-1].value


def test_german_csv_and_xlsx_read_back_with_the_same_numbers():
    import io

    from openpyxl import load_workbook

    from dashboard import downloads

    frame = pl.DataFrame({"name": ["Höxter"], "wert": [1234.5], "datum": [__import__("datetime").date(2024, 12, 31)]})
    csv = downloads.german_csv(frame)
    assert csv.startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(io.BytesIO(csv[3:]), separator=";", decimal_comma=True)
    assert back["wert"].to_list() == [1234.5] and back["datum"].to_list() == ["31.12.2024"]
    sheet = load_workbook(io.BytesIO(downloads.xlsx(frame))).active
    assert [c.value for c in sheet[2]][:2] == ["Höxter", 1234.5]
