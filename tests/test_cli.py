"""The `xregion` command as a user runs it: a separate process, German output, exit codes."""

import os
import subprocess
import sys

import pytest

from pipelines import PROJECT_ROOT
from tests.support import itnrw_tables
from tests.support.fake_server import Reply


def xregion(env, *args):
    return subprocess.run(
        [sys.executable, "-c", "from pipelines.cli import main; main()", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_then_status(env, tmp_path):
    table = tmp_path / "12411-15i.csv"
    table.write_bytes(itnrw_tables.population_table())
    result = xregion(env, "import", str(table))
    assert result.returncode == 0, result.stderr
    assert "IT.NRW-Tabelle 12411-15i (21 Werte, Stand 02.03.2026)" in result.stderr
    assert "Prüfungen bestanden" in result.stderr
    status = xregion(env, "status")
    assert status.returncode == 0
    assert "02.03.2026" in status.stdout and "21" in status.stdout


def test_refresh_shows_progress_and_reports_a_failing_source(env, fake_server):
    fake_server.route("GET", "/downloader/00/tables/12411-15i_00.csv", Reply(404, b"<html></html>"))
    result = xregion(env, "refresh", "--source", "itnrw")
    assert result.returncode == 2  # nothing could be updated (exit codes for schedulers, see test_operations)
    assert "HTTP 404 (nicht gefunden)" in result.stderr
    assert "zuletzt geladenen Daten" in result.stderr
    assert "Traceback" not in result.stderr
    itnrw_tables.serve_catalogue_tables(
        fake_server, {**itnrw_tables.catalogue_tables(), "12411-15i": itnrw_tables.population_table()}
    )
    result = xregion(env, "refresh", "--source", "itnrw")
    assert result.returncode == 0, result.stderr
    assert "Download Tabelle 12411-15i (988 B)" in result.stderr
    assert "✓ itnrw aktualisiert" in result.stderr


def test_errors_are_one_german_sentence_and_the_traceback_only_with_verbose(env, tmp_path):
    unknown = tmp_path / "liste.txt"
    unknown.write_text("nichts", encoding="utf-8")
    plain = xregion(env, "import", str(unknown))
    assert plain.returncode == 2
    assert f"Fehler: Das Format der Datei {unknown} wurde nicht erkannt." in plain.stderr
    assert "Traceback" not in plain.stderr
    verbose = xregion(env, "--verbose", "import", str(unknown))
    assert "Traceback" in verbose.stderr


def test_an_unknown_source_name_is_explained(env):
    result = xregion(env, "refresh", "--source", "wetter")
    assert result.returncode == 2
    assert "Unbekannte Quelle: wetter" in result.stderr and "itnrw" in result.stderr


@pytest.mark.parametrize("ags", ["06411"])
def test_a_wrong_region_setting_is_reported_before_anything_runs(env, ags):
    result = xregion({**env, "XREGION_REGION": ags}, "status")
    assert result.returncode == 2
    assert "kein Kreisschlüssel in NRW" in result.stderr


def test_sql_and_parquet_export_from_the_command_line(env, tmp_path):
    table = tmp_path / "12411-15i.csv"
    table.write_bytes(itnrw_tables.population_table())
    assert xregion(env, "import", str(table)).returncode == 0
    result = xregion(env, "sql", "--csv", "SELECT name, area_km2 FROM regions WHERE ags = '05762020'")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["name;area_km2", "Höxter;14,25"]
    refused = xregion(env, "sql", "SELECT * FROM read_csv('/etc/passwd')")
    assert refused.returncode == 2 and "gesperrt" in refused.stderr
    out = tmp_path / "parquet"
    exported = xregion(env, "export", "--parquet", str(out))
    assert exported.returncode == 0, exported.stderr
    assert (out / "regions.parquet").exists() and (out / "kpi_progress.parquet").exists()


def test_without_sign_in_the_app_is_not_served_beyond_this_machine(env):
    result = xregion(env, "serve", "--address", "0.0.0.0")
    assert result.returncode == 2
    assert "nur lokal" in result.stderr and "0.0.0.0" in result.stderr


def test_markup_in_data_and_file_names_is_printed_as_it_is(env, tmp_path):
    table = tmp_path / "[link=https:example.org][red]12411-15i.csv"
    table.write_bytes(itnrw_tables.population_table().replace(b"Bad Driburg, Stadt", b"Bad [/x] [link=https://example.org]Driburg"))
    result = xregion(env, "import", str(table))
    assert result.returncode == 0, result.stderr
    assert "[link=https:example.org][red]12411-15i.csv" in result.stderr
    shown = xregion(env, "sql", "SELECT region_name FROM table_values WHERE ags = '05762004' LIMIT 1")
    assert shown.returncode == 0, shown.stderr
    assert "[/x] [link=https://example.org]Driburg" in shown.stdout


def test_a_query_starting_with_a_comment_is_a_query(env, tmp_path):
    table = tmp_path / "12411-15i.csv"
    table.write_bytes(itnrw_tables.population_table())
    assert xregion(env, "import", str(table)).returncode == 0
    result = xregion(env, "sql", "-- Einwohner von Höxter\nSELECT population FROM regions WHERE ags = '05762020'")
    assert result.returncode == 0, result.stderr
    assert "1148" in result.stdout.replace(".", "")


def test_the_serve_hint_keeps_its_brackets(env):
    result = xregion(env, "serve", "--address", "0.0.0.0")
    assert result.returncode == 2
    assert "Abschnitt [auth]" in result.stderr
