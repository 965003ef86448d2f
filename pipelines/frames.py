"""Polars frames into DuckDB, the one way every loader uses."""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa


def execute_with(
    con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame | pa.Table, sql: str, params: list | None = None
) -> None:
    """Run `sql` with `frame` (a polars frame or an Arrow table) visible under `name` (zero-copy
    through Arrow), then remove the name again, also when the statement fails."""
    con.register(name, frame.to_arrow() if isinstance(frame, pl.DataFrame) else frame)
    try:
        con.execute(sql, params)
    finally:
        con.unregister(name)
