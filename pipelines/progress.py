"""Progress reporting for long steps (downloads, parsing, the build).

Pipelines report through this small interface so that the CLI can draw progress bars while tests
and the app stay quiet.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator


def human_size(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n_bytes < 1024 or unit == "GB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}".replace(".", ",")
        n_bytes /= 1024
    raise AssertionError("unreachable")


class Reporter:
    """Silent base reporter; subclasses draw. `task` yields a function advance(n)."""

    def info(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    @contextmanager
    def task(self, description: str, total: float | None = None, unit: str = "") -> Iterator[Callable[[float], None]]:
        yield lambda n: None


class CollectingReporter(Reporter):
    """Keeps every message; used by tests and by the app to show what a refresh did."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def info(self, message: str) -> None:
        self.messages.append(message)

    def warn(self, message: str) -> None:
        self.messages.append("WARNUNG: " + message)

    @contextmanager
    def task(self, description: str, total: float | None = None, unit: str = "") -> Iterator[Callable[[float], None]]:
        done = 0.0

        def advance(n: float) -> None:
            nonlocal done
            done += n

        yield advance
        amount = human_size(done) if unit == "bytes" else f"{done:.0f}"
        self.messages.append(f"{description}: {amount}")
