"""The one way frames reach DuckDB: the frame is visible while the statement runs, and gone after,
also when the statement fails."""

import duckdb
import polars as pl
import pytest

from pipelines.frames import execute_with


def _names(con):
    return {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def test_the_frame_is_there_for_the_statement_and_gone_after():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INTEGER, b VARCHAR)")
    execute_with(con, "batch", pl.DataFrame({"a": [1, 2], "b": ["x", "y"]}), "INSERT INTO t SELECT * FROM batch")
    execute_with(con, "batch", pl.DataFrame({"a": [3]}), "INSERT INTO t SELECT a, ? FROM batch", ["z"])
    assert con.execute("SELECT * FROM t ORDER BY a").fetchall() == [(1, "x"), (2, "y"), (3, "z")]
    assert "batch" not in _names(con)


def test_a_failing_statement_leaves_no_name_behind():
    con = duckdb.connect()
    with pytest.raises(duckdb.Error):
        execute_with(con, "batch", pl.DataFrame({"a": [1]}), "INSERT INTO missing SELECT * FROM batch")
    assert "batch" not in _names(con)
