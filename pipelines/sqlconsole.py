"""Read-only SQL over the warehouse for analysts (the app's SQL console and `xregion sql`).

Both routes share this code. A query is first checked by DuckDB's parser (`pipelines.sqlguard`:
exactly one read statement, no function that discloses the server), then run **outside the
calling process** in a worker of its own (`pipelines.sqlworker`): the warehouse attached
read-only through a link in a private directory, external access off, memory, threads,
temporary files and time limited and the configuration locked, and an OS limit on the worker's
address space. A runaway query can only end its worker, never the server. Results are cut at a
row limit; every refusal is a German message that names no server path.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from pipelines import PROJECT_ROOT
from pipelines.duck import connect_readonly
from pipelines.german import fmt_value
from pipelines.sqlguard import READ_ONLY_HINT, QueryRefused, check_statement

__all__ = ["EXAMPLES", "QueryRefused", "QueryResult", "Limits", "run_query", "export_parquet"]

DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MAX_ROWS = 100_000
WORKER_GRACE_S = 10.0  # start-up of the worker, beyond the query's own time limit
NARROW_HINT = "Schränken Sie sie ein (WHERE, LIMIT) oder fassen Sie zusammen (GROUP BY)."
log = logging.getLogger(__name__)

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


@dataclass
class QueryResult:
    frame: pl.DataFrame
    truncated: bool  # more rows than the limit existed


@dataclass(frozen=True)
class Limits:
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_rows: int = DEFAULT_MAX_ROWS
    memory_mb: int = 1024  # DuckDB's memory_limit in the worker
    threads: int = 2
    temp_mb: int = 1024  # spill files
    address_space_mb: int = 4096  # the OS limit of the worker process (DuckDB, spatial, Arrow)


def run_query(
    db_path: Path, sql: str, timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS,
    limits: Limits | None = None,
) -> QueryResult:  # fmt: skip
    limits = limits or Limits(timeout_s=timeout_s, max_rows=max_rows)
    check_statement(sql)
    if not db_path.exists():
        raise QueryRefused("Es gibt noch keinen Datenbestand.", "Erst `xregion refresh` ausführen.")
    order = {"db_path": str(db_path.resolve()), "sql": sql, **asdict(limits)}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pipelines.sqlworker"],
            input=json.dumps(order).encode("utf-8"),
            capture_output=True,
            timeout=limits.timeout_s + WORKER_GRACE_S,
            cwd=PROJECT_ROOT,
            env=_worker_env(),
        )
    except subprocess.TimeoutExpired:
        raise _interrupted(limits.timeout_s) from None
    header_line, _, payload = done.stdout.partition(b"\n")
    try:
        header = json.loads(header_line.decode("utf-8"))
    except ValueError:
        log.error("SQL-Arbeitsprozess ohne Antwort (Exit %s): %s", done.returncode, done.stderr.decode(errors="replace")[-2000:])
        raise QueryRefused(
            "Die Abfrage brauchte mehr Speicher, als der Konsole zusteht, und wurde beendet."
            if done.returncode != 0 else "Die Abfrage lieferte keine Antwort.",
            NARROW_HINT,
        ) from None
    if not header["ok"]:
        raise _refusal(header, limits, db_path)
    frame = pl.read_ipc_stream(io.BytesIO(payload)) if payload else pl.DataFrame()
    return QueryResult(frame, header["truncated"])


def _worker_env() -> dict[str, str]:
    # nothing of the server's environment (secrets, proxy settings) reaches the worker
    keep = ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT", "TZ")
    return {k: v for k, v in os.environ.items() if k in keep} | {"HOME": "/nonexistent"}


def _interrupted(timeout_s: float) -> QueryRefused:
    return QueryRefused(
        f"Die Abfrage wurde nach {fmt_value(timeout_s)} Sekunden abgebrochen.",
        NARROW_HINT,
    )


def _refusal(header: dict, limits: Limits, db_path: Path) -> QueryRefused:
    if header.get("interrupted"):
        return _interrupted(limits.timeout_s)
    if header.get("out_of_memory"):
        return QueryRefused(
            f"Die Abfrage brauchte mehr als {fmt_value(limits.memory_mb)} MB Arbeitsspeicher und wurde abgebrochen.",
            NARROW_HINT,
        )
    if "duckdb_error" in header:
        return QueryRefused(_scrub(_explain(header["duckdb_error"]), db_path), READ_ONLY_HINT)
    return QueryRefused(_scrub(header["message"], db_path), header.get("hint", ""))


def _scrub(text: str, db_path: Path) -> str:
    """No server path in a message: the warehouse, its directory, the project, the Python prefix."""
    for path in sorted({str(db_path.resolve()), str(db_path.resolve().parent), str(PROJECT_ROOT), sys.prefix,
                        sys.base_prefix, str(Path.home())}, key=len, reverse=True):  # fmt: skip
        if len(path) > 1:
            text = text.replace(path, "…")
    return text


def _explain(text: str) -> str:
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
