import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines import PROJECT_ROOT, warehouse
from pipelines.errors import BuildError, RefreshBusyError, XRegionError
from pipelines.rawstore import RawStore
from pipelines.refresh import import_files, refresh
from pipelines.sources import itnrw
from pipelines.state import StateStore, refresh_lock
from tests.support import itnrw_tables
from tests.support.extra_source import make_source
from tests.support.fake_server import Reply

TABLE_PATH = "/downloader/00/tables/12411-15i_00.csv"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(settings, sql):
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def population(settings, ags="05762020"):
    return query(settings, f"SELECT population FROM marts.regions WHERE ags = '{ags}'")[0][0]


@pytest.fixture
def sources(fake_server):
    return [itnrw.SOURCE, make_source(f"{fake_server.url}/extra.csv")]


@pytest.fixture
def built(settings, fake_server, sources):
    """A warehouse built once from both sources (version 1 of each)."""
    fake_server.route("GET", TABLE_PATH, Reply(200, itnrw_tables.population_table()))
    fake_server.route("GET", "/extra.csv", Reply(200, b"a;1\nb;2"))
    result = refresh(settings, sources=sources)
    assert result.failed == {}
    return settings


def test_refresh_downloads_and_builds_the_marts(built, fake_server):
    assert population(built) == 1148
    request = fake_server.requests_to(TABLE_PATH)[0]
    assert request.method == "GET"
    kreis = query(built, "SELECT name, level, parent_ags, in_focus FROM marts.regions WHERE ags = '05762'")
    assert kreis == [("Kreis Höxter", "kreis", "057", True)]
    focus = {r[0] for r in query(built, "SELECT ags FROM marts.regions WHERE in_focus")}
    assert focus == {"05", "057", "05762", "05762004", "05762020"}
    lineage = query(built, "SELECT source, item, url, origin, licence, data_stand FROM meta.lineage ORDER BY source")
    assert lineage[1][:4] == ("itnrw", "12411-15i", f"{fake_server.url}{TABLE_PATH}", "download")
    assert "dl-de/by-2-0" in lineage[1][4] and str(lineage[1][5]) == "2026-03-02"
    status = query(built, "SELECT source, rows, failing FROM meta.source_status ORDER BY source")
    assert status == [("extra", 2, False), ("itnrw", 21, False)]


def test_a_failing_source_keeps_its_last_good_data_and_the_others_still_refresh(built, fake_server, sources):
    fake_server.route("GET", TABLE_PATH, Reply(500, b"kaputt"))
    fake_server.route("GET", "/extra.csv", Reply(200, b"a;10\nb;20\nc;30"))
    result = refresh(built, sources=sources)
    assert result.succeeded == ["extra"]
    assert "Die Landesdatenbank NRW ist nicht erreichbar" in result.failed["itnrw"]
    assert population(built) == 1148  # last good data
    assert query(built, "SELECT sum(value) FROM raw.extra_values") == [(60.0,)]
    state = StateStore(built.state_dir).get("itnrw")
    assert state.failing and "Serverfehler HTTP 500" in state.last_error
    status = query(built, "SELECT failing, last_error FROM meta.source_status WHERE source = 'itnrw'")
    assert status[0][0] is True and "nicht erreichbar" in status[0][1]


def test_an_html_error_page_instead_of_the_table_is_refused(built, fake_server, sources):
    page = b"<!DOCTYPE html><html><body>Wartungsarbeiten</body></html>"
    fake_server.route("GET", TABLE_PATH, Reply(200, page, {"Content-Type": "text/html"}))
    result = refresh(built, selected=[sources[0]], sources=sources)
    assert "eine Webseite statt einer Tabelle" in result.failed["itnrw"]
    assert population(built) == 1148


def test_a_download_that_does_not_parse_does_not_replace_the_last_good_file(built, fake_server, sources):
    broken = itnrw_tables.population_table().replace(b";1148;", b";11x48;")
    fake_server.route("GET", TABLE_PATH, Reply(200, broken))
    before = RawStore(built.raw_dir).current("itnrw")
    result = refresh(built, selected=[sources[0]], sources=sources)
    assert "Zeile 10" in result.failed["itnrw"]
    assert RawStore(built.raw_dir).current("itnrw") == before


def test_the_previous_warehouse_is_kept_as_backup(built, fake_server, sources):
    first = sha(built.db_path)
    fake_server.route("GET", TABLE_PATH, Reply(200, itnrw_tables.population_table(scale=2)))
    refresh(built, sources=sources)
    assert population(built) == 2296
    assert sha(warehouse.backup_path(built.db_path)) == first


def test_sql_tests_stop_a_bad_build_and_the_raw_store_rolls_back(built, fake_server, sources):
    """IT.NRW delivers a table without the configured Kreis: the build fails its checks."""
    before = sha(built.db_path)
    table = b"\n".join(
        line for line in itnrw_tables.population_table().split(b"\n") if b";05762" not in line
    )
    fake_server.route("GET", TABLE_PATH, Reply(200, table))
    with pytest.raises(BuildError) as err:
        refresh(built, selected=[sources[0]], sources=sources)
    assert "regions_configured_kreis_present.sql" in err.value.message
    assert "bisherige Datenbestand bleibt in Gebrauch" in err.value.hint
    assert sha(built.db_path) == before
    assert StateStore(built.state_dir).get("itnrw").failing
    # the next build uses the last good file again instead of being blocked by the bad one
    refresh(built, selected=[], sources=sources)
    assert population(built) == 1148


def test_a_partly_failed_source_is_rolled_back_too_when_the_build_fails(built, fake_server, sources):
    """One table arrives but breaks the build, the other fails to download: the new file of the
    partly failed source must not stay in the raw store and block later builds."""
    built.sources.itnrw.tables = ["12411-15i", "12411-09i"]
    kept = RawStore(built.raw_dir).current("itnrw")
    table = b"\n".join(line for line in itnrw_tables.population_table().split(b"\n") if b";05762" not in line)
    fake_server.route("GET", TABLE_PATH, Reply(200, table))
    fake_server.route("GET", "/downloader/00/tables/12411-09i_00.csv", Reply(404))
    with pytest.raises(BuildError):
        refresh(built, selected=[sources[0]], sources=sources)
    assert RawStore(built.raw_dir).current("itnrw") == kept
    refresh(built, selected=[], sources=sources)
    assert population(built) == 1148


def test_a_failing_sql_model_file_stops_the_build(built, sources, tmp_path):
    sql_dir = tmp_path / "sql"
    for layer in ("staging", "marts", "tests"):
        (sql_dir / layer).mkdir(parents=True)
    (sql_dir / "marts" / "broken.sql").write_text("select * from nirgendwo", encoding="utf-8")
    before = sha(built.db_path)
    with pytest.raises(BuildError, match="broken.sql ist fehlerhaft"):
        warehouse.build_warehouse(built, sources, sql_dir=sql_dir)
    assert sha(built.db_path) == before


def test_an_exception_between_build_and_swap_leaves_the_warehouse_byte_identical(built, sources, monkeypatch):
    before = sha(built.db_path)

    def explode(new, target):
        raise RuntimeError("Stromausfall")

    monkeypatch.setattr(warehouse, "swap_in", explode)
    with pytest.raises(RuntimeError):
        refresh(built, selected=[], sources=sources)
    assert sha(built.db_path) == before
    assert not list(built.db_path.parent.glob("*.building-*"))


def test_a_killed_refresh_leaves_the_warehouse_byte_identical(built, env, fake_server, tmp_path):
    before = sha(built.db_path)
    marker = tmp_path / "loading"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.build_in_subprocess", f"{fake_server.url}/extra.csv"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env, "XREGION_TEST_SLOW_LOAD": str(marker)},
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the build process ended early"
            assert time.monotonic() < deadline, "the build never reached the load step"
            time.sleep(0.05)
        assert list(built.db_path.parent.glob("*.building-*")), "a new file is being built"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert sha(built.db_path) == before
    # the next refresh cleans up what the killed one left
    from tests.support.extra_source import make_source as make

    refresh(built, selected=[], sources=[itnrw.SOURCE, make(f"{fake_server.url}/extra.csv")])
    assert not list(built.db_path.parent.glob("*.building-*"))
    assert population(built) == 1148


def test_a_second_refresh_at_the_same_time_is_told_so(settings):
    with refresh_lock(settings.state_dir):
        with pytest.raises(RefreshBusyError, match="läuft bereits"):
            refresh(settings, sources=[])


def test_import_of_hand_downloaded_files(settings, sources, tmp_path):
    path = tmp_path / "12411-15i.csv"
    path.write_bytes(itnrw_tables.population_table())
    matches, _ = import_files(settings, [path], sources=sources)
    assert [m.item for m in matches] == ["12411-15i"]
    assert population(settings) == 1148
    raw = RawStore(settings.raw_dir).current("itnrw")[0]
    assert raw.origin == "import" and raw.url == path.as_uri()


def test_an_import_with_one_bad_file_changes_nothing(settings, sources, tmp_path):
    good = tmp_path / "12411-15i.csv"
    good.write_bytes(itnrw_tables.population_table())
    import_files(settings, [good], sources=sources)
    before = sha(settings.db_path)
    newer = tmp_path / "neu.csv"
    newer.write_bytes(itnrw_tables.population_table(scale=3))
    bad = tmp_path / "kaputt.csv"
    bad.write_bytes(itnrw_tables.population_table().replace(b";1148;", b";viele;"))
    unknown = tmp_path / "notizen.txt"
    unknown.write_text("Einkaufsliste", encoding="utf-8")
    with pytest.raises(XRegionError) as err:
        import_files(settings, [newer, bad, unknown], sources=sources)
    assert "kaputt.csv, Zeile 10" in err.value.message
    assert f"Das Format der Datei {unknown} wurde nicht erkannt" in err.value.message
    assert "Es wurde nichts eingelesen" in err.value.hint
    assert sha(settings.db_path) == before
    assert population(settings) == 1148
