"""Read-only access to the warehouse for the app, the CLI and analysts."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection. The file is replaced by rename on refresh, so an open connection
    keeps seeing the old file until it is reopened (see dashboard.data)."""
    from pipelines.warehouse import load_spatial

    con = duckdb.connect(str(path), read_only=True)
    load_spatial(con)
    return con


def attach_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A database instance of its own with the warehouse attached read-only as the default
    catalog. Unlike `duckdb.connect(path)`, which hands out the process's cached instance for a
    path, this always sees the file as it is now, even while an older instance is still open."""
    from pipelines.warehouse import load_spatial

    con = duckdb.connect()
    load_spatial(con)
    quoted = str(path).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS warehouse (READ_ONLY)")
    con.execute("USE warehouse")
    return con


@contextmanager
def open_readonly(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_readonly(path)
    try:
        yield con
    finally:
        con.close()
