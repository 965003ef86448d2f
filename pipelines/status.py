"""What the Daten page and `xregion status` say about each source.

Read from the refresh state and the raw store, so it is true even when no warehouse has been
built yet or the last build failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

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
        return bool(self.files)

    @property
    def data_stand(self) -> str | None:
        stands = [f.data_stand for f in self.files if f.data_stand]
        return max(stands) if stands else None

    @property
    def last_success_de(self) -> str:
        return fmt_datetime(self.state.last_success, missing="noch nie")

    @property
    def data_stand_de(self) -> str:
        return fmt_date(self.data_stand, missing="–")

    @property
    def rows_de(self) -> str:
        return fmt_number(self.rows) if self.rows is not None else "–"

    @property
    def error_de(self) -> str:
        if not self.state.failing:
            return ""
        return f"{fmt_datetime(self.state.last_error_at)}: {self.state.last_error}"


def source_overview(
    settings: Settings, rows: dict[str, int] | None = None, sources: list[Source] | None = None
) -> list[SourceOverview]:
    store = RawStore(settings.raw_dir)
    states = StateStore(settings.state_dir).all()
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
        )
        for s in (sources if sources is not None else all_sources())
    ]


def _rows_from_warehouse(settings: Settings) -> dict[str, int]:
    from pipelines.readonly import open_readonly

    if not settings.db_path.exists():
        return {}
    with open_readonly(settings.db_path) as con:
        return dict(con.execute("SELECT source, rows FROM meta.source_status").fetchall())
