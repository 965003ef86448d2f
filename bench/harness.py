"""Timing helpers: the median of n runs after warm-up (with min and max beside it), candidate and
baseline in the same process and run. A minimum flatters on a loaded machine and a single run
flips its verdict from run to run; the median of five does neither."""

from __future__ import annotations

import gc
import statistics
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
    candidate_range: tuple[float, float] | None = None  # (min, max) of the runs
    baseline_range: tuple[float, float] | None = None
    unit: str = "s"  # what candidate and baseline count: seconds, or "MB" for a size

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
            f"{self.name}: {fmt_number(self.rows)} Zeilen – Kandidat {fmt_number(self.candidate_s, 3)} {self.unit}"
            f"{_spread(self.candidate_range)}, Basis {fmt_number(self.baseline_s, 3)} {self.unit}{_spread(self.baseline_range)}, "
            f"Faktor {fmt_number(self.ratio, 1)}×" + (f" (Ziel {self._target()}: {verdict})" if self._target() else "")
        )

    def _target(self) -> str:
        parts = [f"≥ {fmt_number(self.target_ratio, 1)}×"] if self.target_ratio else []
        if self.target_s is not None:
            parts.append(f"≤ {fmt_number(self.target_s, 2)} s")
        return " und ".join(parts)


def _timed(fn: Callable[[], object]) -> float:
    gc.collect()  # garbage of the previous run is not this run's cost
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _spread(span: tuple[float, float] | None) -> str:
    return f" (Median; {fmt_number(span[0], 3)}–{fmt_number(span[1], 3)})" if span else ""


def runs(fn: Callable[[], object], repeat: int) -> tuple[float, tuple[float, float]]:
    """Median and (min, max) of `repeat` timed runs."""
    times = sorted(_timed(fn) for _ in range(max(1, repeat)))
    return statistics.median(times), (times[0], times[-1])


def median_of(
    name: str,
    candidate: Callable[[], object],
    baseline: Callable[[], object],
    *,
    rows: int,
    repeat: int = 5,
    target: float,
) -> Result:
    # warm-up outside the timing (imports, thread pools, and the allocator growing its heap, which
    # takes more than one run of a large parse); both must produce the same number of rows
    produced, expected = candidate(), baseline()
    candidate(), baseline()
    if produced != expected:
        raise AssertionError(f"{name}: Kandidat liefert {produced} Zeilen, Basis {expected}")
    cand, cand_span = runs(candidate, repeat)
    base, base_span = runs(baseline, repeat)
    return Result(name, rows, cand, base, target, candidate_range=cand_span, baseline_range=base_span)
