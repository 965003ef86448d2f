"""Refresh state per source (last attempt, last success, last error) and the refresh lock.

Kept beside the raw store, not in the warehouse: it must survive failed builds and be readable
before any warehouse exists. The build copies it into `meta.source_status` for the app.
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from pipelines.errors import RefreshBusyError
from pipelines.rawstore import atomic_write, utc_now

STATE_FILE = "sources.json"
LOCK_FILE = "refresh.lock"


@dataclass
class SourceState:
    last_attempt: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    partial: bool = False  # the last attempt updated some items (tables) and not others

    @property
    def failing(self) -> bool:
        """True when the most recent attempt failed (an older error does not count)."""
        if self.partial:
            return False
        return bool(self.last_error_at and (not self.last_success or self.last_error_at >= self.last_success))


class StateStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / STATE_FILE

    def all(self) -> dict[str, SourceState]:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return {name: SourceState(**entry) for name, entry in data.items()}

    def get(self, source: str) -> SourceState:
        return self.all().get(source, SourceState())

    def record_success(self, source: str) -> None:
        now = utc_now()
        self._update(source, last_attempt=now, last_success=now, partial=False)

    def record_partial(self, source: str, message: str) -> None:
        """Some items were updated, the others named in `message` kept their last data."""
        now = utc_now()
        self._update(source, last_attempt=now, last_success=now, last_error=message, last_error_at=now, partial=True)

    def record_failure(self, source: str, message: str) -> None:
        now = utc_now()
        self._update(source, last_attempt=now, last_error=message, last_error_at=now, partial=False)

    def _update(self, source: str, **changes: str | bool) -> None:
        states = self.all()
        state = states.get(source, SourceState())
        for key, value in changes.items():
            setattr(state, key, value)
        states[source] = state
        payload = {name: asdict(s) for name, s in sorted(states.items())}
        atomic_write(self.path, json.dumps(payload, indent=2, ensure_ascii=False).encode())


@contextmanager
def refresh_lock(directory: Path) -> Iterator[None]:
    """One refresh at a time per installation; a second one is told so instead of waiting."""
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefreshBusyError(
                "Eine andere Aktualisierung des Datenbestands läuft bereits.",
                "Warten Sie, bis sie fertig ist, und versuchen Sie es dann erneut.",
            ) from None
        yield
    finally:
        os.close(fd)
