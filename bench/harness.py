"""Timing helpers: best of n runs, candidate and baseline in the same process and run."""

from __future__ import annotations

import gc
import time
from dataclasses import asdict, dataclass
from typing import Callable

from pipelines.german import fmt_number


@dataclass
class Result:
    name: str
    rows: int
    candidate_s: float
    baseline_s: float
    target_ratio: float
    target_s: float | None = None  # an absolute budget as well (DESIGN.md performance budget)

    @property
    def ratio(self) -> float:
        return self.baseline_s / self.candidate_s if self.candidate_s else float("inf")

    @property
    def met(self) -> bool:
        return self.ratio >= self.target_ratio and (self.target_s is None or self.candidate_s <= self.target_s)

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": round(self.ratio, 2), "met": self.met}

    def line(self) -> str:
        verdict = "erreicht" if self.met else "VERFEHLT"
        return (
            f"{self.name}: {fmt_number(self.rows)} Zeilen – Kandidat {fmt_number(self.candidate_s, 3)} s, "
            f"Basis {fmt_number(self.baseline_s, 3)} s, Faktor {fmt_number(self.ratio, 1)}×"
            + (f" (Ziel {self._target()}: {verdict})" if self._target() else "")
        )

    def _target(self) -> str:
        parts = [f"≥ {fmt_number(self.target_ratio, 1)}×"] if self.target_ratio else []
        if self.target_s is not None:
            parts.append(f"< {fmt_number(self.target_s, 1)} s")
        return " und ".join(parts)


def _timed(fn: Callable[[], object]) -> float:
    gc.collect()  # garbage of the previous run is not this run's cost
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _best(fn: Callable[[], object], repeat: int) -> float:
    return min(_timed(fn) for _ in range(repeat))


def best_of(
    name: str,
    candidate: Callable[[], object],
    baseline: Callable[[], object],
    *,
    rows: int,
    repeat: int = 3,
    target: float,
) -> Result:
    # warm-up outside the timing (imports, thread pools, and the allocator growing its heap, which
    # takes more than one run of a large parse); both must produce the same number of rows
    produced, expected = candidate(), baseline()
    candidate(), baseline()
    if produced != expected:
        raise AssertionError(f"{name}: Kandidat liefert {produced} Zeilen, Basis {expected}")
    return Result(name, rows, _best(candidate, repeat), _best(baseline, repeat), target)
