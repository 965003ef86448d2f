"""The durable store of the project register: a SQLite file beside (not inside) the warehouse.

Every record carries a version; a change names the version it was made on, and a change made
on an outdated version is refused (no lost update when several people edit at once). Every
change is kept with who, when, old and new value, grouped in change sets that can be undone.
The warehouse build only reads from here, so a refresh never loses an edit.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pipelines.errors import XRegionError
from pipelines.register.model import ENTITIES, Dataset, Problem, from_json, to_json
from pipelines.register.validate import validate

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    entity TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (entity, key)
);
CREATE TABLE IF NOT EXISTS change_sets (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT NOT NULL, reason TEXT NOT NULL,
    undoes INTEGER, undone_by INTEGER
);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, change_set INTEGER NOT NULL REFERENCES change_sets(id),
    entity TEXT NOT NULL, key TEXT NOT NULL, old TEXT, new TEXT
);
"""


class StaleEditError(XRegionError):
    """The record was changed by someone else since it was read."""


class RegisterValidationError(XRegionError):
    def __init__(self, problems, action: str) -> None:
        self.problems = problems
        super().__init__(
            f"{action}: " + "; ".join(str(p) for p in problems[:20])
            + (f" (und {len(problems) - 20} weitere)" if len(problems) > 20 else ""),
            "Es wurde nichts geändert.",
        )


@dataclass(frozen=True)
class Change:
    entity: str
    key: str | None  # None: a new record
    data: dict | None  # None: delete
    expected_version: int | None  # the version the edit was made on (None for new records)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _dump(entity: str, record: dict) -> str:
    return json.dumps({f.name: to_json(record.get(f.name)) for f in ENTITIES[entity].fields}, ensure_ascii=False)


def _load(entity: str, text: str) -> dict:
    raw = json.loads(text)
    return {f.name: from_json(f, raw.get(f.name)) for f in ENTITIES[entity].fields}


class RegisterStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")  # an acknowledged edit survives a power cut
            con.executescript(SCHEMA)
            if write:
                con.execute("BEGIN IMMEDIATE")  # one writer at a time; readers keep reading
            try:
                yield con
                if write:
                    con.execute("COMMIT")
            except BaseException:
                if write:
                    con.execute("ROLLBACK")
                raise
        finally:
            con.close()

    def exists(self) -> bool:
        if not self.path.exists():
            return False
        with self._connect() as con:
            return con.execute("SELECT count(*) FROM change_sets").fetchone()[0] > 0

    # --- reading ---------------------------------------------------------------------------

    def records(self, entity: str) -> list[tuple[str, int, dict]]:
        """(key, version, record) of an entity, in key order."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT key, version, data FROM records WHERE entity = ? ORDER BY key", [entity]
            ).fetchall()
        return [(key, version, _load(entity, data)) for key, version, data in rows]

    def dataset(self) -> Dataset:
        data = Dataset()
        for name in ENTITIES:
            for _, _, record in self.records(name):
                data.records[name].append(record)
                data.rows[name].append(None)
        return data

    def history(self, limit: int = 200) -> list[dict]:
        with self._connect() as con:
            rows = con.execute(
                """SELECT s.id, s.at, s.who, s.reason, s.undoes, s.undone_by, c.entity, c.key, c.old, c.new
                   FROM change_sets s JOIN changes c ON c.change_set = s.id
                   ORDER BY s.id DESC, c.id LIMIT ?""",
                [limit],
            ).fetchall()
        columns = ["change_set", "at", "who", "reason", "undoes", "undone_by", "entity", "key", "old", "new"]
        return [dict(zip(columns, row)) for row in rows]

    # --- writing ---------------------------------------------------------------------------

    def apply(self, changes: list[Change], who: str, reason: str) -> int:
        """Apply edits as one change set, after checking versions and validating the register
        as it would be afterwards. Returns the change set id."""
        with self._connect(write=True) as con:
            current = {
                (e, k): (v, d) for e, k, v, d in con.execute("SELECT entity, key, version, data FROM records")
            }
            planned: dict[tuple[str, str], dict | None] = {}
            for change in changes:
                entity = ENTITIES[change.entity]
                if change.key is not None:
                    version = current.get((change.entity, change.key), (None,))[0]
                    if version is None or version != change.expected_version:
                        raise StaleEditError(
                            f"„{change.key}“ ({entity.sheet}) wurde inzwischen von jemand anderem geändert oder gelöscht.",
                            "Bitte die Seite neu laden und die Änderung erneut eingeben; es wurde nichts gespeichert.",
                        )
                    planned[(change.entity, change.key)] = None
                if change.data is not None:
                    new_key = (change.entity, entity.key_of(change.data))
                    if new_key in current and new_key not in planned:
                        problem = Problem(entity.sheet, None, None, f"„{new_key[1]}“ gibt es schon")
                        raise RegisterValidationError([problem], "Änderung abgelehnt")
                    planned[new_key] = change.data
            planned = self._check(current, planned)
            return self._write(con, current, planned, who, reason)

    def replace_all(self, data: Dataset, who: str, reason: str) -> int:
        """Make the register equal to `data` (an import), recording every difference."""
        with self._connect(write=True) as con:
            current = {
                (e, k): (v, d) for e, k, v, d in con.execute("SELECT entity, key, version, data FROM records")
            }
            planned: dict[tuple[str, str], dict | None] = {key: None for key in current}
            for name, entity in ENTITIES.items():
                for record in data.records[name]:
                    planned[(name, entity.key_of(record))] = record
            return self._write(con, current, planned, who, reason)

    def undo(self, change_set: int, who: str) -> int:
        """Undo a change set as a new change set; refused when its records changed since."""
        with self._connect(write=True) as con:
            rows = con.execute("SELECT entity, key, old, new FROM changes WHERE change_set = ?", [change_set]).fetchall()
            done = con.execute("SELECT undone_by, reason FROM change_sets WHERE id = ?", [change_set]).fetchone()
            if not rows or done is None:
                raise XRegionError(f"Die Änderung Nr. {change_set} gibt es nicht.")
            if done[0] is not None:
                raise XRegionError(f"Die Änderung Nr. {change_set} wurde schon rückgängig gemacht (Nr. {done[0]}).")
            current = {
                (e, k): (v, d) for e, k, v, d in con.execute("SELECT entity, key, version, data FROM records")
            }
            planned: dict[tuple[str, str], dict | None] = {}
            for entity, key, old, new in rows:
                now = current.get((entity, key), (None, None))[1]
                if now != new:
                    raise StaleEditError(
                        f"„{key}“ ({ENTITIES[entity].sheet}) wurde nach Änderung Nr. {change_set} noch einmal geändert.",
                        "Machen Sie zuerst die spätere Änderung rückgängig.",
                    )
                planned[(entity, key)] = _load(entity, old) if old is not None else None
            planned = self._check(current, planned)
            new_id = self._write(con, current, planned, who, f"Rückgängig: Nr. {change_set} ({done[1]})", undoes=change_set)
            con.execute("UPDATE change_sets SET undone_by = ? WHERE id = ?", [new_id, change_set])
            return new_id

    def _check(self, current: dict, planned: dict) -> dict:
        """Validate the register as it would be; returns `planned` with references normalised
        (names written in a form become keys) and keys recomputed from them."""
        data = Dataset()
        merged = {key: _load(key[0], text) for key, (_, text) in current.items()}
        merged.update(planned)
        origin = []
        for key, record in sorted(merged.items(), key=lambda item: item[0]):
            if record is not None:
                data.records[key[0]].append(dict(record))
                data.rows[key[0]].append(None)
                origin.append(key)
        problems = validate(data)
        if problems:
            raise RegisterValidationError(problems, "Änderung abgelehnt")
        normalised = dict.fromkeys((k for k, v in planned.items() if v is None))
        position = {name: 0 for name in ENTITIES}
        for key in origin:
            record = data.records[key[0]][position[key[0]]]
            position[key[0]] += 1
            if key in planned:
                normalised[(key[0], ENTITIES[key[0]].key_of(record))] = record
        return normalised

    def _write(self, con, current, planned, who: str, reason: str, undoes: int | None = None) -> int:
        set_id = con.execute(
            "INSERT INTO change_sets (at, who, reason, undoes) VALUES (?, ?, ?, ?)", [_now(), who, reason, undoes]
        ).lastrowid
        for (entity, key), record in planned.items():
            old_version, old_text = current.get((entity, key), (None, None))
            new_text = _dump(entity, record) if record is not None else None
            if new_text == old_text:
                continue
            if record is None:
                con.execute("DELETE FROM records WHERE entity = ? AND key = ?", [entity, key])
            else:
                con.execute(
                    "INSERT INTO records (entity, key, data, version) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (entity, key) DO UPDATE SET data = excluded.data, version = excluded.version",
                    [entity, key, new_text, (old_version or 0) + 1],
                )
            con.execute(
                "INSERT INTO changes (change_set, entity, key, old, new) VALUES (?, ?, ?, ?, ?)",
                [set_id, entity, key, old_text, new_text],
            )
        return set_id
