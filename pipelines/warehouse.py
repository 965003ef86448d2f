"""Build the DuckDB warehouse from the raw store, check it, and swap it in atomically.

The build never touches the live file: it writes `<db>.building-<pid>`, loads every source's
current raw files, runs `sql/staging` (views), `sql/marts` (tables) and `sql/tests` (each must
return zero rows; a table or source that fails its own check is quarantined, see
pipelines.checks), checkpoints, and only then renames the new file over the old one. The old
file is kept as `<db>.bak` (hard link, so the swap itself stays a single rename). A failure or a
killed process at any point leaves the live warehouse byte-identical.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines import PROJECT_ROOT
from pipelines.catalogue import load_catalogue, write_catalogue
from pipelines.checks import Quarantine, QuarantineEntry, QuarantineLog, run_checks
from pipelines.config import Settings
from pipelines.duck import is_interrupt, load_spatial
from pipelines.errors import BuildError, XRegionError
from pipelines.frames import execute_with
from pipelines.progress import Reporter
from pipelines.rawstore import RawStore, fsync_dir, utc_now
from pipelines.sources import Source, all_sources
from pipelines.state import StateStore

SQL_DIR = PROJECT_ROOT / "sql"
BUILDING = ".building-"
LAYERS = (("staging", "VIEW"), ("marts", "TABLE"))


def backup_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".bak")


@dataclass
class BuildReport:
    path: Path
    built_at: str
    rows: dict[str, int]
    models: list[str]
    quarantined: list[QuarantineEntry] = field(default_factory=list)


def build_warehouse(
    settings: Settings,
    sources: list[Source],
    reporter: Reporter | None = None,
    sql_dir: Path = SQL_DIR,
) -> BuildReport:
    reporter = reporter or Reporter()
    target = settings.db_path
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(target)
    tmp = target.with_name(f"{target.name}{BUILDING}{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        report = _build_into(tmp, settings, sources, reporter, sql_dir)
        swap_in(tmp, target)
        QuarantineLog(settings.state_dir).replace({e.key: e for e in report.quarantined}, [s.name for s in sources])
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        raise
    report.path = target
    reporter.info(f"Datenbestand gebaut: {target}")
    return report


def _build_into(tmp: Path, settings: Settings, sources: list[Source], reporter: Reporter, sql_dir: Path) -> BuildReport:
    store = RawStore(settings.raw_dir)
    states = StateStore(settings.state_dir).all()
    built_at = utc_now()
    con = duckdb.connect(str(tmp))
    try:
        load_spatial(con)
        for schema in ("raw", "staging", "marts", "meta"):
            con.execute(f"CREATE SCHEMA {schema}")
        _write_build_meta(con, settings, built_at)
        quarantine = Quarantine(con, settings.db_path, QuarantineLog(settings.state_dir).current())
        files_by_source = {source.name: store.current(source.name) for source in sources}
        for source in sources:
            con.execute(source.raw_ddl)
            files = files_by_source[source.name]
            with reporter.task(f"Laden {source.title}", total=len(files)) as advance:
                try:
                    failures = source.load(con, store, files, settings) or []
                except Exception as exc:  # noqa: BLE001 - a broken file or a bug: this source only
                    if is_interrupt(exc):
                        raise KeyboardInterrupt from None  # Ctrl-C stops the build; not the source's fault
                    message = exc.message if isinstance(exc, XRegionError) else f"{type(exc).__name__}: {exc}"
                    entry = quarantine.leave_out(source, None, f"Die gespeicherten Dateien lassen sich nicht laden: {message}")
                    reporter.warn(f"{source.title}: {entry.message} ({entry.kept_de})")
                    failures = []
                for failure in failures:
                    entry = quarantine.leave_out(source, failure.item, failure.message)
                    reporter.warn(f"{source.title}, {failure.item}: {failure.message} ({entry.kept_de})")
                advance(len(files))
        # the SQL models read every known source's raw tables: those not built from stay empty
        for source in all_sources():
            if source.name not in files_by_source:
                con.execute(source.raw_ddl)
        write_catalogue(con, load_catalogue(settings.catalogue_path))
        models = run_sql_models(con, sql_dir, reporter)
        run_sql_tests(con, sql_dir, quarantine, reporter)
        quarantine.detach()
        rows = {
            source.name: sum(con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in source.raw_tables)
            for source in sources
        }
        _write_source_meta(con, sources, states, files_by_source, rows)
        _write_quarantine(con, quarantine)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    return BuildReport(path=tmp, built_at=built_at, rows=rows, models=models, quarantined=list(quarantine.entries.values()))


def _write_quarantine(con: duckdb.DuckDBPyConnection, quarantine: Quarantine) -> None:
    schema = {"source": pl.String, "item": pl.String, "message": pl.String, "since": pl.String, "kept_previous": pl.Boolean}
    frame = pl.DataFrame([asdict(e) for e in quarantine.entries.values()], schema=schema)
    execute_with(
        con, "quarantine_df", frame,
        "CREATE TABLE meta.quarantine AS SELECT * REPLACE (since::TIMESTAMPTZ AS since) FROM quarantine_df",
    )  # fmt: skip


def _write_build_meta(con: duckdb.DuckDBPyConnection, settings: Settings, built_at: str) -> None:
    region = settings.region
    con.execute(
        "CREATE TABLE meta.build AS SELECT ?::TIMESTAMPTZ AS built_at, ? AS region_ags, ? AS regbez_ags, "
        "? AS land_ags, ? AS duckdb_version, ? AS demo",
        [built_at, region.ags, region.regbez_ags, region.land_ags, duckdb.__version__, settings.project_register.demo],
    )
    # SQL models refer to the configured region through these macros, never through literals
    con.execute(f"CREATE MACRO meta.region_ags() AS '{region.ags}'")
    con.execute(f"CREATE MACRO meta.regbez_ags() AS '{region.regbez_ags}'")
    con.execute(f"CREATE MACRO meta.land_ags() AS '{region.land_ags}'")


def _write_source_meta(con, sources, states, files_by_source, rows) -> None:
    status = []
    for source in sources:
        state = states.get(source.name)
        files = files_by_source[source.name]
        stands = [f.data_stand for f in files if f.data_stand]
        status.append(
            {
                "source": source.name,
                "title": source.title,
                "licence": source.licence,
                "attribution": source.attribution,
                "how_to_get": source.how_to_get,
                "files": len(files),
                "rows": rows.get(source.name, 0),
                "data_stand": max(stands) if stands else None,
                "last_fetched_at": max((f.fetched_at for f in files), default=None),
                "last_attempt": state.last_attempt if state else None,
                "last_success": state.last_success if state else None,
                "last_error": state.last_error if state else None,
                "last_error_at": state.last_error_at if state else None,
                "failing": bool(state and state.failing),
            }
        )
    schema = {
        "source": pl.String, "title": pl.String, "licence": pl.String, "attribution": pl.String,
        "how_to_get": pl.String, "files": pl.Int64, "rows": pl.Int64, "data_stand": pl.String,
        "last_fetched_at": pl.String, "last_attempt": pl.String, "last_success": pl.String,
        "last_error": pl.String, "last_error_at": pl.String, "failing": pl.Boolean,
    }  # fmt: skip
    execute_with(
        con,
        "status_df",
        pl.DataFrame(status, schema=schema),
        """CREATE TABLE meta.source_status AS SELECT * REPLACE (
               data_stand::DATE AS data_stand, last_fetched_at::TIMESTAMPTZ AS last_fetched_at,
               last_attempt::TIMESTAMPTZ AS last_attempt, last_success::TIMESTAMPTZ AS last_success,
               last_error_at::TIMESTAMPTZ AS last_error_at)
           FROM status_df""",
    )
    lineage_schema = {
        "source": pl.String, "item": pl.String, "path": pl.String, "url": pl.String, "origin": pl.String,
        "fetched_at": pl.String, "sha256": pl.String, "size": pl.Int64, "licence": pl.String,
        "media": pl.String, "data_stand": pl.String, "data_stand_kind": pl.String,
        "notes": pl.String,
    }  # fmt: skip
    lineage = [asdict(f) for files in files_by_source.values() for f in files]
    execute_with(
        con,
        "lineage_df",
        pl.DataFrame(lineage, schema=lineage_schema),
        """CREATE TABLE meta.lineage AS SELECT * REPLACE (
               fetched_at::TIMESTAMPTZ AS fetched_at, data_stand::DATE AS data_stand) FROM lineage_df""",
    )


def model_files(sql_dir: Path, layer: str) -> list[Path]:
    """Models of a layer in their fixed order: by file name."""
    return sorted((sql_dir / layer).glob("*.sql"))


def model_name(path: Path) -> str:
    # an optional numeric prefix orders models within a layer and is not part of the name
    return re.sub(r"^\d+_", "", path.stem)


def _python_steps() -> dict:
    """Work SQL does badly, run right before the model that reads its result."""
    from pipelines.nearest import build_nearest_supply, build_supply_days
    from pipelines.network import build_network_reach

    def distances(con) -> None:
        build_nearest_supply(con)
        build_supply_days(con)
        build_network_reach(con)

    return {"marts.nahversorgung_cells": distances}


def run_sql_models(con: duckdb.DuckDBPyConnection, sql_dir: Path, reporter: Reporter) -> list[str]:
    built = []
    steps = _python_steps()
    for layer, kind in LAYERS:
        for path in model_files(sql_dir, layer):
            name = f"{layer}.{model_name(path)}"
            sql = path.read_text(encoding="utf-8").strip().rstrip(";")
            if name in steps:
                steps[name](con)
            try:
                con.execute(f"CREATE OR REPLACE {kind} {name} AS\n{sql}")
            except (duckdb.Error, RuntimeError) as exc:
                if is_interrupt(exc):
                    raise KeyboardInterrupt from None
                raise BuildError(
                    f"Das SQL-Modell {path.relative_to(sql_dir)} ist fehlerhaft: {exc}",
                    "Der bisherige Datenbestand bleibt in Gebrauch.",
                ) from exc
            built.append(name)
    reporter.info(f"{len(built)} SQL-Modelle gebaut")
    return built


def run_sql_tests(con: duckdb.DuckDBPyConnection, sql_dir: Path, quarantine: Quarantine, reporter: Reporter) -> None:
    """All checks. One about a table or a source quarantines it and the models are rebuilt
    without it; one about the warehouse as a whole (or a scoped one that still fails after its
    table was taken out) vetoes the swap."""
    by_name = {s.name: s for s in all_sources()}
    tests = model_files(sql_dir, "tests")
    for _attempt in range(3):
        scoped, failures = run_checks(con, tests)
        if not scoped:
            break
        for source_name, item, message in scoped:
            source = by_name.get(source_name)
            if source is None or (item is not None and source.item_column is None):
                raise BuildError(f"Die Prüfung meldet eine unbekannte Quelle „{source_name}“: {message}")
            entry = quarantine.leave_out(source, item, message)
            reporter.warn(f"{source.title}{', ' + item if item else ''}: {message} ({entry.kept_de})")
        run_sql_models(con, sql_dir, reporter)
    else:
        raise BuildError(
            "Die Prüfungen schlagen auch nach dem Zurückstellen der betroffenen Tabellen fehl.",
            "Der bisherige Datenbestand bleibt in Gebrauch.",
        )
    if failures:
        raise BuildError(
            "Der neue Datenbestand hat die Prüfungen nicht bestanden: "
            + " | ".join(f"{f.check}: {f.rows} Zeile(n), z. B. {f.sample}" if f.rows else f"{f.check}: {f.sample}" for f in failures),
            "Er wurde verworfen; der bisherige Datenbestand bleibt in Gebrauch.",
        )
    reporter.info(f"{len(tests)} Prüfungen bestanden")


def swap_in(new: Path, target: Path) -> None:
    """Replace `target` by `new` with one atomic rename, keeping the old file as backup."""
    if target.exists():
        backup = backup_path(target)
        staged = backup.with_name(backup.name + ".tmp")
        staged.unlink(missing_ok=True)
        try:
            os.link(target, staged)
        except OSError:  # file systems without hard links
            shutil.copy2(target, staged)
        os.replace(staged, backup)
    os.replace(new, target)
    fsync_dir(target.parent)


def remove_stale_builds(target: Path) -> None:
    """Delete half-built files left by a killed refresh (their process is gone)."""
    for path in target.parent.glob(f"{target.name}{BUILDING}*"):
        pid_text = path.name.rsplit("-", 1)[-1].removesuffix(".wal")
        if pid_text.isdigit() and _alive(int(pid_text)) and int(pid_text) != os.getpid():
            continue
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
