"""Read-only SQL over the warehouse for analysts (the app's SQL console and `xregion sql`).

The warehouse is attached read-only to a database instance of its own, the spatial functions
are loaded first, and then external access is switched off and the configuration locked: no
file or network access (read_csv, COPY, ATTACH, INSTALL/LOAD all fail), no writes to the
warehouse (only the instance's own scratch memory could take a temporary table). A query running longer than the time limit is
interrupted; results are cut at a row limit. Every refusal is a German message.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import XRegionError
from pipelines.german import fmt_value
from pipelines.duck import attach_readonly, connect_readonly

DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MAX_ROWS = 100_000

EXAMPLES = {
    "Bevölkerung der Städte des Kreises": (
        "SELECT name, population, area_km2, round(population / area_km2, 1) AS einwohner_je_km2\n"
        "FROM marts.regions\nWHERE in_focus AND level = 'gemeinde'\nORDER BY population DESC"
    ),
    "Indikatoren mit Werten": (
        "SELECT handlungsfeld, title, unit, first_period, last_period, value_count\n"
        "FROM marts.indicators\nWHERE status = 'ok'\nORDER BY handlungsfeld_position, position"
    ),
    "Ein Indikator für den Kreis und NRW": (
        "SELECT r.name, v.period, v.value, v.series_break\nFROM marts.indicator_values v JOIN marts.regions r USING (ags)\n"
        "WHERE v.indicator_id = 'bevoelkerung' AND r.level IN ('kreis', 'land') AND r.in_focus\nORDER BY r.name, v.period"
    ),
    "Kennzahlen und ihr Stand": (
        "SELECT handlungsfeld, title, latest_value, unit, target_value, target_year, status_label\n"
        "FROM marts.kpi_progress\nORDER BY handlungsfeld_position, kpi_id"
    ),
    "Fördermittel je Stadt": (
        "SELECT programme, town_name, committed, called, spent, round(100 * share_spent) AS prozent_ausgegeben\n"
        "FROM marts.funding\nWHERE town_ags IS NOT NULL\nORDER BY programme, town_name"
    ),
}


class QueryRefused(XRegionError):
    """The SQL console did not run or finish a query."""


@dataclass
class QueryResult:
    frame: pl.DataFrame
    truncated: bool  # more rows than the limit existed


def guarded_connection(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A database instance of its own (in memory, the warehouse attached read-only): the locked
    settings must not reach the app's shared connection to the same file."""
    con = attach_readonly(db_path)
    con.execute("SET search_path = 'warehouse.marts,warehouse.main'")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")  # the query cannot switch the above back on
    return con


def run_query(
    db_path: Path, sql: str, timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS
) -> QueryResult:
    if not sql.strip():
        raise QueryRefused("Bitte eine SQL-Abfrage eingeben.")
    if not db_path.exists():
        raise QueryRefused("Es gibt noch keinen Datenbestand.", "Erst `xregion refresh` ausführen.")
    con = guarded_connection(db_path)
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.start()
    try:
        cursor = con.execute(sql)
        if cursor.description is None:
            return QueryResult(pl.DataFrame(), False)
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchmany(max_rows + 1)
    except duckdb.InterruptException:
        raise QueryRefused(
            f"Die Abfrage wurde nach {fmt_value(timeout_s)} Sekunden abgebrochen.",
            "Schränken Sie sie ein (WHERE, LIMIT) oder fassen Sie zusammen (GROUP BY).",
        ) from None
    except duckdb.Error as exc:
        raise QueryRefused(_explain(exc), "Die Konsole liest nur; Dateien, Netz und Änderungen sind gesperrt.") from None
    finally:
        timer.cancel()
        con.close()
    truncated = len(rows) > max_rows
    frame = pl.DataFrame(rows[:max_rows], schema=_unique(columns), orient="row", infer_schema_length=None)
    return QueryResult(frame, truncated)


def _unique(columns: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def _explain(exc: duckdb.Error) -> str:
    text = str(exc).splitlines()[0]
    lowered = text.lower()
    if "read-only" in lowered or "read only" in lowered:
        return f"Nur lesende Abfragen sind erlaubt ({text})."
    if "external access" in lowered or "disabled by configuration" in lowered or "permission" in lowered:
        return f"Zugriff auf Dateien, Netz oder Erweiterungen ist gesperrt ({text})."
    if "lock" in lowered and "configuration" in lowered:
        return f"Einstellungen lassen sich in der Konsole nicht ändern ({text})."
    return f"Die Abfrage ist fehlerhaft: {text}"


def export_parquet(db_path: Path, directory: Path) -> list[Path]:
    """Every table of `marts` as one Parquet file (geometry as WKB)."""
    directory.mkdir(parents=True, exist_ok=True)
    con = connect_readonly(db_path)
    written = []
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1").fetchall()]  # fmt: skip
        for table in tables:
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
            select = ", ".join(
                f'ST_AsWKB("{name}") AS "{name}"' if kind.upper().startswith("GEOMETRY") else f'"{name}"'
                for name, kind in columns
            )
            frame = con.execute(f"SELECT {select} FROM marts.{table}").pl()
            target = directory / f"{table}.parquet"
            frame.write_parquet(target)
            written.append(target)
    finally:
        con.close()
    return written
