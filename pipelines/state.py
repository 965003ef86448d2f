"""Refresh state per source (last attempt, last success, last error) and the refresh lock.

Kept beside the raw store, not in the warehouse: it must survive failed builds and be readable
before any warehouse exists. The build copies it into `meta.source_status` for the app.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from pipelines.errors import RefreshBusyError
from pipelines.rawstore import atomic_write, utc_now

STATE_FILE = "sources.json"
LOCK_FILE = "refresh.lock"
LOCK_POLL_SECONDS = 0.2
REBUILD_REQUEST = "rebuild.requested"
REBUILD_TAKEN = "rebuild.taken"


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
def refresh_lock(directory: Path, wait: float = 0.0) -> Iterator[None]:
    """One refresh at a time per installation. A second one waits up to `wait` seconds for the
    first, then is told so instead of waiting on: `xregion refresh` of the weekly timer can take minutes."""
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RefreshBusyError(
                        "Eine andere Aktualisierung des Datenbestands läuft bereits.",
                        "Warten Sie, bis sie fertig ist, und versuchen Sie es dann erneut.",
                    ) from None
                time.sleep(LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)


class RebuildRequests:
    """A change saved in the app while another refresh holds the lock asks that refresh to build
    once more at its end, so that the change is not left out of the warehouse until someone saves
    again. The request is a file beside the lock: the app and `xregion refresh` are separate
    processes. A build takes the request by renaming it; a build that fails or dies gives it back
    (a taken file found under the lock is one whose build never finished)."""

    def __init__(self, directory: Path) -> None:
        self.request = directory / REBUILD_REQUEST
        self.taken_file = directory / REBUILD_TAKEN

    def ask(self) -> None:
        """Called after the change is stored: a build that takes the request later includes it."""
        self.request.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(self.request, os.O_WRONLY | os.O_CREAT, 0o644))

    def pending(self) -> bool:
        """Under the lock: whether a stored change still waits for a build."""
        return self.request.exists() or self.taken_file.exists()

    @contextmanager
    def taken(self) -> Iterator[None]:
        """Around a build under the lock: the requests made before it starts are answered by it."""
        try:
            os.replace(self.request, self.taken_file)
        except FileNotFoundError:
            pass
        try:
            yield
        except BaseException:
            if self.taken_file.exists():
                os.replace(self.taken_file, self.request)  # not answered: the next build still owes it
            raise
        self.taken_file.unlink(missing_ok=True)
