"""Polars frames into DuckDB, the one way every loader uses."""

from __future__ import annotations

import duckdb
import polars as pl


def execute_with(
    con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame, sql: str, params: list | None = None
) -> None:
    """Run `sql` with `frame` visible under `name` (zero-copy through Arrow), then remove the name
    again, also when the statement fails."""
    con.register(name, frame.to_arrow())
    try:
        con.execute(sql, params)
    finally:
        con.unregister(name)
