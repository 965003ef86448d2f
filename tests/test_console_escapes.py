"""Console escapes, as a hostile signed-in viewer would try them, on both routes (`run_query`,
which the Daten page uses, and `xregion sql`): every one is refused with a German message before
it runs, the warehouse and the register store stay byte-identical, no server path is disclosed,
and a memory or time bomb ends its worker, not the caller."""

from __future__ import annotations

import hashlib
import resource

import pytest

from pipelines.refresh import import_files
from pipelines.sqlconsole import Limits, QueryRefused, run_query
from tests.support import itnrw_tables
from tests.test_cli import xregion

ESCAPES = [
    ("COPY (SELECT 'kaputt' AS x) TO '{db}' (FORMAT csv, USE_TMP_FILE false)", "COPY"),
    ("COPY (SELECT 'kaputt' AS x) TO '{db}.wal' (FORMAT csv)", "COPY"),
    ("EXPORT DATABASE '{dir}/export'", "EXPORT"),
    ("SELECT path FROM duckdb_databases()", "duckdb_databases"),
    ("USE memory; DETACH warehouse; ATTACH '{db}' AS w; UPDATE w.marts.kpi_progress SET title = 'GEFÄLSCHT'",
     "genau eine Abfrage"),
    ("DETACH warehouse", "DETACH"),
    ("ATTACH '{db}' AS w", "ATTACH"),
    ("USE memory", "USE"),
    ("SET memory_limit = '100GB'", "SET"),
    ("RESET lock_configuration", "RESET"),
    ("PRAGMA database_list", "PRAGMA"),
    ("PRAGMA memory_limit = '100GB'", "gesperrt"),
    ("CALL duckdb_databases()", "CALL"),
    ("CHECKPOINT", "CHECKPOINT"),
    ("INSTALL httpfs", "INSTALL"),
    ("LOAD httpfs", "LOAD"),
    ("SELECT 1; DROP TABLE marts.regions", "genau eine Abfrage"),
    ("SELECT 1 /* ; */; /* nur ein Kommentar */ DELETE FROM marts.regions", "genau eine Abfrage"),
    ("-- nur lesen\nDELETE FROM marts.regions", "Nur lesende Abfragen"),
    ("/* SELECT */ CREATE TABLE marts.x AS SELECT 1", "Nur lesende Abfragen"),
    ("EXPLAIN ANALYZE COPY (SELECT 1) TO '{dir}/x.csv'", "EXPLAIN"),
    ("SELECT current_setting('temp_directory')", "current_setting"),
    ("SELECT * FROM duckdb_settings()", "duckdb_settings"),
    ("SELECT install_path FROM duckdb_extensions()", "duckdb_extensions"),
    ("SELECT * FROM pragma_database_list()", "pragma_database_list"),
    ("WITH s AS (SELECT getenv('HOME') AS h) SELECT * FROM s", "getenv"),
    ("SELECT * FROM read_csv('{db}')", "gesperrt"),
]  # fmt: skip


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "fehlt"


@pytest.fixture
def warehouse(settings, tmp_path):
    table = tmp_path / "12411-15i.csv"
    table.write_bytes(itnrw_tables.population_table())
    import_files(settings, [table])
    return settings


def fingerprint(settings) -> dict:
    db = settings.db_path
    return {p.name: sha(p) for p in (db, db.with_name(db.name + ".wal"), settings.register_store)}


@pytest.mark.parametrize(("sql", "expected"), ESCAPES)
def test_an_escape_is_refused_and_changes_nothing(warehouse, tmp_path, sql, expected):
    before = fingerprint(warehouse)
    query = sql.format(db=warehouse.db_path, dir=tmp_path)
    with pytest.raises(QueryRefused) as caught:
        run_query(warehouse.db_path, query)
    message = f"{caught.value.message} {caught.value.hint}"
    assert expected in message
    assert str(warehouse.db_path) not in message  # a refusal never echoes a server path
    assert fingerprint(warehouse) == before
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "export").exists()


@pytest.mark.parametrize(("sql", "expected"), [e for e in ESCAPES if "{" not in e[0]][::3])
def test_the_command_line_refuses_the_same(warehouse, env, sql, expected):
    before = fingerprint(warehouse)
    result = xregion(env, "sql", sql)
    assert result.returncode != 0
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert fingerprint(warehouse) == before


def test_errors_and_tables_name_no_server_path(warehouse):
    with pytest.raises(QueryRefused) as caught:
        run_query(warehouse.db_path, "SELECT * FROM warehouse.marts.gibt_es_nicht")
    assert str(warehouse.db_path.parent) not in str(caught.value)
    shown = run_query(warehouse.db_path, "SHOW DATABASES").frame
    assert "path" not in shown.columns
    assert str(warehouse.db_path) not in str(shown.rows())


def test_a_memory_bomb_ends_its_worker_not_the_caller(warehouse):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(QueryRefused, match="Arbeitsspeicher|Speicher"):
        run_query(warehouse.db_path, "SELECT length(string_agg(repeat('x', 1000), '')) FROM range(20000000)",
                  limits=Limits(memory_mb=256, address_space_mb=3072))  # fmt: skip
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100
    assert run_query(warehouse.db_path, "SELECT 42 AS x").frame.item() == 42  # the next query works


def test_a_time_bomb_is_stopped(warehouse):
    with pytest.raises(QueryRefused, match="nach 1 Sekunden abgebrochen"):
        run_query(warehouse.db_path, "SELECT count(*) FROM range(100000000000) a", limits=Limits(timeout_s=1))


def test_odd_results_come_back_as_tables(warehouse):
    frame = run_query(warehouse.db_path, "SELECT map([1], ['a']) AS m, 1 AS a, 2 AS a, union_value(k := 1) AS u").frame
    assert frame.columns == ["m", "a", "a_2", "u"]
    assert frame.row(0)[1:3] == (1, 2) and frame.schema["m"] == __import__("polars").String
