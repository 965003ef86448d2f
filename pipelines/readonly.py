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


def region_bounds(db_path: Path, ags: str, crs: str = "EPSG:4326") -> tuple[float, float, float, float] | None:
    """(xmin, ymin, xmax, ymax) of a region's geometry in `crs`, from the live warehouse; None
    when there is no warehouse or no geometry for it yet."""
    if not db_path.exists():
        return None
    con = connect_readonly(db_path)
    try:
        return con.execute(
            "SELECT ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g) FROM (SELECT ST_Transform(geometry::GEOMETRY, "
            "'EPSG:4326', ?, always_xy := true) AS g FROM marts.regions WHERE ags = ? AND geometry IS NOT NULL)",
            [crs, ags],
        ).fetchone()
    except duckdb.Error:  # a warehouse from before the boundaries existed
        return None
    finally:
        con.close()


@contextmanager
def open_readonly(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_readonly(path)
    try:
        yield con
    finally:
        con.close()
