"""DuckDB helpers shared by the build, the sources and the readers: the spatial extension and
read-only access to the warehouse for the app, the CLI and analysts. Imports nothing of the
project, so that every module can use it without an import cycle."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from pipelines.errors import BuildError


def spatial_extension_path() -> Path:
    """The spatial extension binary shipped by the `duckdb-extension-spatial` package (no download)."""
    import duckdb_extension_spatial

    base = Path(duckdb_extension_spatial.__file__).parent / "extensions"
    path = base / f"v{duckdb.__version__}" / "spatial.duckdb_extension"
    if not path.exists():
        found = sorted(base.glob("*/spatial.duckdb_extension"))
        raise BuildError(
            f"Die Spatial-Erweiterung für DuckDB {duckdb.__version__} fehlt (gefunden: "
            f"{', '.join(p.parent.name for p in found) or 'keine'}).",
            "Installieren Sie duckdb und duckdb-extension-spatial in derselben Version (siehe pyproject.toml).",
        )
    return path


def is_interrupt(exc: BaseException) -> bool:
    """Ctrl-C during a DuckDB query surfaces as RuntimeError("Query interrupted") (or DuckDB's
    InterruptException), not as KeyboardInterrupt."""
    return isinstance(exc, (KeyboardInterrupt, duckdb.InterruptException)) or (
        isinstance(exc, RuntimeError) and str(exc) == "Query interrupted"
    )


def load_spatial(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"LOAD '{spatial_extension_path()}'")


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection. The file is replaced by rename on refresh, so an open connection
    keeps seeing the old file until it is reopened (see dashboard.data)."""
    con = duckdb.connect(str(path), read_only=True)
    load_spatial(con)
    return con


def attach_readonly(path: Path | str, config: dict[str, str] | None = None) -> duckdb.DuckDBPyConnection:
    """A database instance of its own (with `config`, e.g. memory limits) and the warehouse
    attached read-only as the default catalog. Unlike `duckdb.connect(path)`, which hands out the
    process's cached instance for a path, this always sees the file as it is now, even while an
    older instance is still open."""
    con = duckdb.connect(config=config or {})
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
