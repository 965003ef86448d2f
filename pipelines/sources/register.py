"""The project register of the Kreis (measures, KPIs, funding) as a source of the warehouse.

Unlike the public sources it is not fetched: it lives in its own store (pipelines.register.store)
where the app's edits and `xregion import` of the register workbook go. An empty store is
filled once from the committed workbook. Every build copies the store into `raw.register_*`.
"""

from __future__ import annotations

import getpass

import duckdb
import polars as pl

from pipelines.config import Settings
from pipelines.errors import ParseError, XRegionError
from pipelines.frames import execute_with
from pipelines.progress import Reporter
from pipelines.rawstore import RawFile, RawStore
from pipelines.register.model import ENTITIES, Problem
from pipelines.register.store import RegisterStore
from pipelines.register.validate import validate
from pipelines.register.workbook import looks_like_register, read_workbook
from pipelines.sources import ImportMatch, Source

NAME = "register"
MEDIA = "register-xlsx"
LICENCE = "Daten des Kreises (intern)"
HINT = "Korrigieren Sie die genannten Zellen und lesen Sie die Datei erneut ein. Es wurde nichts geändert."
SQL_TYPES = {"text": "VARCHAR", "ref": "VARCHAR", "choice": "VARCHAR", "int": "INTEGER", "number": "DOUBLE",
             "date": "DATE", "towns": "VARCHAR[]", "weekdays": "VARCHAR"}  # fmt: skip
POLARS_TYPES = {"text": pl.String, "ref": pl.String, "choice": pl.String, "int": pl.Int64, "number": pl.Float64,
                "date": pl.Date, "towns": pl.List(pl.String), "weekdays": pl.String}  # fmt: skip



def _columns(entity) -> str:
    return ", ".join(f'"{f.name}" {SQL_TYPES[f.kind]}' for f in entity.fields)  # "end" is an SQL keyword


RAW_DDL = "\n".join(f"CREATE TABLE raw.register_{name} ({_columns(entity)});" for name, entity in ENTITIES.items()) + """
CREATE TABLE raw.register_history (
    change_set INTEGER, "at" TIMESTAMPTZ, who VARCHAR, reason VARCHAR, entity VARCHAR, key VARCHAR,
    undone BOOLEAN
);
"""


def who_on_command_line() -> str:
    return f"{getpass.getuser()} (Kommandozeile)"


def _read_valid(settings: Settings, content: bytes, filename: str):
    data, problems = read_workbook(content, filename)
    problems += validate(data) if not problems else []
    foreign = sorted({t["ags"] for t in data.records["towns"] if not t["ags"].startswith(settings.region.ags)})
    if not problems and foreign:
        problems.append(Problem(ENTITIES["towns"].sheet, None, "AGS", f"{', '.join(foreign)} gehören nicht zum "
                                f"eingestellten Kreis {settings.region.ags}"))  # fmt: skip
    if problems:
        raise ParseError(f"{filename}: " + "; ".join(str(p) for p in problems[:20]), HINT)
    return data


def ensure_seeded(settings: Settings) -> RegisterStore:
    """An empty store is filled from the committed workbook (first start, or a new demo) when
    that workbook belongs to the configured Kreis; another Kreis starts with an empty register."""
    store = RegisterStore(settings.register_store)
    workbook = settings.register_workbook
    if not store.exists() and workbook.exists():
        try:
            data = _read_valid(settings, workbook.read_bytes(), workbook.name)
        except ParseError:
            if _kreis_of(workbook) not in (None, settings.region.ags):
                return store  # the committed register is another Kreis's: start empty
            raise
        store.replace_all(data, "System", f"Ersteinrichtung aus {workbook.name}")
    return store


def _kreis_of(workbook) -> str | None:
    data, _ = read_workbook(workbook.read_bytes(), workbook.name)
    return next((t["ags"] for t in data.records["towns"] if t.get("ags") and len(t["ags"]) == 5), None)


def fetch(settings: Settings, store: RawStore, reporter: Reporter) -> list[RawFile]:
    ensure_seeded(settings)
    reporter.info("Projektregister: Einträge aus dem eigenen Speicher (keine Online-Quelle)")
    return []


def recognise(filename: str, content: bytes) -> ImportMatch | None:
    if not looks_like_register(content):
        return None
    data, problems = read_workbook(content, filename)
    problems += validate(data) if not problems else []
    if problems:
        shown = "; ".join(str(p) for p in problems[:20])
        more = f" (und {len(problems) - 20} weitere)" if len(problems) > 20 else ""
        raise ParseError(f"{filename}: {len(problems)} Fehler – {shown}{more}.", HINT)
    counts = ", ".join(f"{len(data.records[n])} {ENTITIES[n].sheet}" for n in ("measures", "kpis", "measurements", "programmes"))
    return ImportMatch(source=NAME, item="workbook", media=MEDIA, ext="xlsx", description=f"Projektregister ({counts})")


# an import that would delete more than this share of the register (and more than a handful of
# records) needs an explicit confirmation: an empty template must not wipe the register by mistake
REMOVAL_NEEDS_CONFIRMATION = 0.2
REMOVAL_ALWAYS_OK = 5


def import_workbook(settings: Settings, content: bytes, filename: str, who: str, replace: bool = False) -> int:
    """Replace the register by a (validated) workbook; returns the change set id."""
    data = _read_valid(settings, content, filename)
    store = ensure_seeded(settings)
    current = {(name, key) for name in ENTITIES for key, _, _ in store.records(name)}
    incoming = {(name, entity.key_of(r)) for name, entity in ENTITIES.items() for r in data.records[name]}
    removed = len(current - incoming)
    if not replace and removed > REMOVAL_ALWAYS_OK and removed > REMOVAL_NEEDS_CONFIRMATION * len(current):
        raise XRegionError(
            f"{filename}: der Import würde {removed} von {len(current)} Einträgen des Registers löschen.",
            "Es wurde nichts geändert. Ist das gewollt (z. B. ein neues Register), den Import mit "
            "`xregion import --replace <Datei>` bestätigen.",
        )
    return store.replace_all(data, who, f"Import {filename}")


def load(con: duckdb.DuckDBPyConnection, store: RawStore, files: list[RawFile], settings: Settings) -> None:
    register = ensure_seeded(settings)
    for name, entity in ENTITIES.items():
        schema = {f.name: POLARS_TYPES[f.kind] for f in entity.fields}
        rows = [record for _, _, record in register.records(name)]
        frame = pl.DataFrame(rows, schema=schema, orient="row")
        execute_with(con, "register_batch", frame, f"INSERT INTO raw.register_{name} SELECT * FROM register_batch")
    history = register.history(limit=5000)
    frame = pl.DataFrame(
        [{"change_set": h["change_set"], "at": h["at"], "who": h["who"], "reason": h["reason"], "entity": h["entity"],
          "key": h["key"], "undone": h["undone_by"] is not None} for h in history],
        schema={"change_set": pl.Int64, "at": pl.String, "who": pl.String, "reason": pl.String, "entity": pl.String,
                "key": pl.String, "undone": pl.Boolean},
    )  # fmt: skip
    execute_with(
        con,
        "history_batch",
        frame,
        'INSERT INTO raw.register_history SELECT * REPLACE ("at"::TIMESTAMPTZ AS "at") FROM history_batch',
    )


SOURCE = Source(
    name=NAME,
    title="Projektregister (Maßnahmen, Kennzahlen, Fördermittel)",
    licence=LICENCE,
    attribution="Kreis, Smart-Region-Management",
    how_to_get=(
        "Pflege in der App (Seite **Verwaltung**) oder als Excel-Arbeitsmappe: Vorlage mit "
        "`xregion register-template <Datei>` erzeugen, ausfüllen und mit `xregion import <Datei>` einlesen."
    ),
    raw_ddl=RAW_DDL,
    raw_tables=tuple(f"register_{name}" for name in ENTITIES),
    online=False,
    fetch=fetch,
    recognise=recognise,
    load=load,
)
