"""What the Daten page and `xregion status` say about each source.

Read from the refresh state and the raw store, so it is true even when no warehouse has been
built yet or the last build failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pipelines.checks import QuarantineEntry, QuarantineLog
from pipelines.config import Settings
from pipelines.german import fmt_date, fmt_datetime, fmt_number
from pipelines.rawstore import RawFile, RawStore
from pipelines.sources import Source, all_sources
from pipelines.state import SourceState, StateStore


@dataclass
class SourceOverview:
    name: str
    title: str
    licence: str
    attribution: str
    how_to_get: str
    state: SourceState
    files: list[RawFile]
    rows: int | None  # from the live warehouse; None when there is none
    release_cycle_days: int | None = None
    quarantined: list[QuarantineEntry] = field(default_factory=list)  # left out of the last build
    # for a source kept on this machine (the register): when it was last changed
    last_change: str | None = None

    @property
    def status_de(self) -> str:
        """One German status word for tables and monitoring, never "noch nie" where data exist."""
        if not self.has_data and not self.quarantined:
            return "Abruf fehlgeschlagen, noch keine Daten" if self.state.failing else "noch keine Daten"
        if self.state.failing:
            return "Aktualisierung fehlgeschlagen – letzte Daten in Gebrauch"
        if self.state.partial or self.quarantined:
            return "teilweise aktualisiert"
        return "aktualisiert" if self.state.last_success or self.last_change else "Daten vorhanden (eingelesen)"

    @property
    def last_success(self) -> str | None:
        """The last successful refresh or, for the register, its last change, whichever is later;
        without either, when the newest file came in (an import)."""
        known = [t for t in (self.state.last_success, self.last_change) if t]
        if known:
            return max(known, key=_instant)
        return max((f.fetched_at for f in self.files), default=None)

    @property
    def items(self) -> list[dict]:
        """Per item (table): when it last came in, its Stand, and why it is left out, if it is."""
        left_out = {e.item: e for e in self.quarantined if e.item}
        rows = [
            {"item": f.item, "fetched_at": f.fetched_at, "data_stand": f.data_stand,
             "quarantine": left_out.pop(f.item.split("@", 1)[0], None)}
            for f in self.files
        ]  # fmt: skip
        rows += [{"item": item, "fetched_at": None, "data_stand": None, "quarantine": e} for item, e in left_out.items()]
        return rows

    @property
    def next_release_expected(self) -> date | None:
        """When the publisher's next release is due: the last one (data date, else the day it
        was fetched) plus the release cycle."""
        if not self.release_cycle_days or not self.files:
            return None
        last = self.data_stand or max(f.fetched_at for f in self.files)
        return date.fromisoformat(last[:10]) + timedelta(days=self.release_cycle_days)

    @property
    def has_data(self) -> bool:
        """Files in the raw store, or rows in the warehouse (the register keeps no files)."""
        return bool(self.files) or bool(self.rows)

    @property
    def data_stand(self) -> str | None:
        stands = [f.data_stand for f in self.files if f.data_stand]
        return max(stands) if stands else None

    @property
    def last_success_de(self) -> str:
        return fmt_datetime(self.last_success, missing="noch nie")

    @property
    def data_stand_de(self) -> str:
        return fmt_date(self.data_stand, missing="–")

    @property
    def rows_de(self) -> str:
        return fmt_number(self.rows) if self.rows is not None else "–"

    @property
    def error_de(self) -> str:
        parts = []
        if self.state.failing or self.state.partial:
            parts.append(f"{fmt_datetime(self.state.last_error_at)}: {self.state.last_error}")
        for entry in self.quarantined:
            parts.append(f"{entry.what_de} zurückgestellt seit {fmt_datetime(entry.since)} ({entry.kept_de}): {entry.message}")
        return " | ".join(parts)


    def as_json(self) -> dict:
        """For a monitoring check (`xregion status --json`): machine values, German status text."""
        return {
            "source": self.name, "title": self.title, "status": self.status_de,
            "ok": self.has_data and not self.state.failing and not self.state.partial and not self.quarantined,
            "failing": self.state.failing, "last_success": self.last_success, "last_attempt": self.state.last_attempt,
            "data_stand": self.data_stand, "rows": self.rows,
            "last_error": self.state.last_error if (self.state.failing or self.state.partial) else None,
            "last_error_at": self.state.last_error_at,
            "quarantined": [{"item": e.item, "since": e.since, "message": e.message} for e in self.quarantined],
        }  # fmt: skip


def source_overview(
    settings: Settings, rows: dict[str, int] | None = None, sources: list[Source] | None = None
) -> list[SourceOverview]:
    store = RawStore(settings.raw_dir)
    states = StateStore(settings.state_dir).all()
    quarantine = QuarantineLog(settings.state_dir).current().values()
    rows = rows if rows is not None else _rows_from_warehouse(settings)
    return [
        SourceOverview(
            name=s.name,
            title=s.title,
            licence=s.licence,
            attribution=s.attribution,
            how_to_get=s.how_to_get,
            state=states.get(s.name, SourceState()),
            files=store.current(s.name),
            rows=rows.get(s.name),
            release_cycle_days=s.release_cycle_days,
            quarantined=[e for e in quarantine if e.source == s.name],
            last_change=None if s.online else _last_register_change(settings),
        )
        for s in (sources if sources is not None else all_sources())
    ]


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.astimezone()


def _last_register_change(settings: Settings) -> str | None:
    from pipelines.register.store import RegisterStore

    if not settings.register_store.exists():
        return None
    newest = RegisterStore(settings.register_store).history(limit=1)
    return newest[0]["at"] if newest else None


def _rows_from_warehouse(settings: Settings) -> dict[str, int]:
    from pipelines.duck import open_readonly

    if not settings.db_path.exists():
        return {}
    with open_readonly(settings.db_path) as con:
        return dict(con.execute("SELECT source, rows FROM meta.source_status").fetchall())
