"""Scoped checks of a new build: one bad table or source is quarantined, not the whole warehouse.

A check (a file in `sql/tests/`, which must return zero rows) is scoped by the columns it
returns: with `source` and `item` it concerns one item of a source (an IT.NRW table), with
`source` alone the whole source, otherwise the warehouse as a whole. A failing scoped check
takes the item or source out of the new build; its rows from the live warehouse (the last good
data) are copied in instead, or it is left out if it never loaded. Only a failing check of the
warehouse as a whole vetoes the swap.

What is quarantined, why and since when is kept beside the refresh state (it must outlive
builds) and copied into `meta.quarantine` for the app and `xregion status`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from pipelines.rawstore import atomic_write, utc_now
from pipelines.sources import Source

QUARANTINE_FILE = "quarantine.json"
PREVIOUS = "previous_warehouse"


@dataclass
class QuarantineEntry:
    source: str
    item: str | None  # None: the whole source
    message: str  # German: what failed and why
    since: str  # ISO timestamp of the first build that left it out (this time in a row)
    kept_previous: bool  # the last good data of the live warehouse stay in use

    @property
    def key(self) -> str:
        return f"{self.source}/{self.item or '*'}"

    @property
    def what_de(self) -> str:
        return f"Tabelle {self.item}" if self.item else "die ganze Quelle"

    @property
    def kept_de(self) -> str:
        return "letzte Daten in Gebrauch" if self.kept_previous else "fehlt im Datenbestand, bis eine gültige Datei kommt"


@dataclass
class CheckFailure:
    check: str  # file name of the check
    rows: int
    sample: str  # German rendering of up to three offending rows


class Quarantine:
    """The quarantine of one build: takes items and sources out of the new file and copies their
    last good rows from the live warehouse (attached read-only) into it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, live: Path, known: dict[str, QuarantineEntry]) -> None:
        self.con = con
        self.known = known  # from earlier builds, for "since"
        self.entries: dict[str, QuarantineEntry] = {}
        self.has_previous = False
        if live.exists():
            try:
                quoted = str(live).replace("'", "''")
                con.execute(f"ATTACH '{quoted}' AS {PREVIOUS} (READ_ONLY)")
                self.has_previous = True
            except duckdb.Error:  # a damaged or foreign file: nothing to fall back to
                self.has_previous = False

    def detach(self) -> None:
        if self.has_previous:
            self.con.execute(f"DETACH {PREVIOUS}")
            self.has_previous = False

    def leave_out(self, source: Source, item: str | None, message: str) -> QuarantineEntry:
        """Remove the item (or the whole source) from the new build and put its previous rows in."""
        if item is not None and source.item_column is None:
            raise ValueError(f"source {source.name} cannot quarantine single items")
        column = source.item_column if item is not None else None
        where, params = ("", []) if column is None else (f' WHERE "{column}" = ?', [item])
        kept = False
        for table in source.raw_table_names:
            self.con.execute(f"DELETE FROM raw.{table}{where}", params)
            kept |= self._copy_previous(table, column, where, params)
        key = f"{source.name}/{item or '*'}"
        earlier = self.known.get(key)
        entry = QuarantineEntry(source.name, item, message, earlier.since if earlier else utc_now(), kept)
        if key in self.entries:  # a second reason in the same build
            entry.message = f"{self.entries[key].message} | {message}"
            entry.since = self.entries[key].since
        self.entries[key] = entry
        return entry

    def _copy_previous(self, table: str, column: str | None, where: str, params: list) -> bool:
        if not self.has_previous:
            return False
        old = self._columns(PREVIOUS, table)
        if not old:
            return False
        new = self._columns(self.con.execute("SELECT current_database()").fetchone()[0], table)
        common = [c for c in new if c in old]
        if not common or (column is not None and column not in common):
            return False
        cols = ", ".join(f'"{c}"' for c in common)
        before = self.con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        self.con.execute(f"INSERT INTO raw.{table} ({cols}) SELECT {cols} FROM {PREVIOUS}.raw.{table}{where}", params)
        return self.con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0] > before

    def _columns(self, catalog: str, table: str) -> list[str]:
        return [
            r[0]
            for r in self.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? AND table_schema = 'raw' "
                "AND table_name = ? ORDER BY ordinal_position",
                [catalog, table],
            ).fetchall()
        ]


def run_checks(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> tuple[list[tuple[str, str | None, str]], list[CheckFailure]]:
    """Run every check; return the scoped failures as (source, item, German message) and the
    failures of checks about the warehouse as a whole."""
    scoped: list[tuple[str, str | None, str]] = []
    whole: list[CheckFailure] = []
    for path in paths:
        sql = path.read_text(encoding="utf-8").strip().rstrip(";")
        try:
            result = con.execute(f"SELECT * FROM ({sql})")
            rows = result.fetchall()
            columns = [d[0] for d in result.description]
        except duckdb.Error as exc:
            whole.append(CheckFailure(path.name, 0, f"Fehler beim Ausführen ({exc})"))
            continue
        if not rows:
            continue
        if "source" in columns:
            by_scope: dict[tuple[str, str | None], list[tuple]] = {}
            for row in rows:
                record = dict(zip(columns, row))
                by_scope.setdefault((record["source"], record.get("item")), []).append(row)
            for (source, item), bad in by_scope.items():
                scoped.append((source, item, f"Prüfung {path.stem}: {len(bad)} Zeile(n), z. B. {_sample(columns, bad)}"))
        else:
            whole.append(CheckFailure(path.name, len(rows), _sample(columns, rows)))
    return scoped, whole


def _sample(columns: list[str], rows: list[tuple]) -> str:
    return "; ".join(
        ", ".join(f"{c}={v}" for c, v in zip(columns, row) if c not in ("source", "item")) for row in rows[:3]
    )


class QuarantineLog:
    """What the last successful build left out, kept in the state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / QUARANTINE_FILE

    def current(self) -> dict[str, QuarantineEntry]:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return {key: QuarantineEntry(**entry) for key, entry in data.items()}

    def replace(self, entries: dict[str, QuarantineEntry], built_sources: list[str]) -> None:
        """Entries of the sources built this time are replaced; others stay as they were."""
        kept = {k: e for k, e in self.current().items() if e.source not in built_sources}
        kept.update(entries)
        payload = {k: asdict(e) for k, e in sorted(kept.items())}
        atomic_write(self.path, json.dumps(payload, indent=2, ensure_ascii=False).encode())
