"""Timing: per-operation samples, interleaved rounds so a case and its floor share the same noise."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Case:
    name: str
    op: Callable[[], object]
    batch: int = 1  # operations per sample, for operations too short to time one by one
    prepare: Callable[[], None] | None = None  # untimed, before every sample
    samples: list[float] = field(default_factory=list)  # microseconds per operation

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _sample(case: Case) -> float:
    if case.prepare is not None:
        case.prepare()
    op = case.op
    if case.batch == 1:
        start = time.perf_counter_ns()
        op()
        return (time.perf_counter_ns() - start) / 1000
    start = time.perf_counter_ns()
    for _ in range(case.batch):
        op()
    return (time.perf_counter_ns() - start) / 1000 / case.batch


def interleaved(cases: list[Case], samples: int, *, rounds: int = 10, warmup: int = 50) -> list[Case]:
    """``samples`` samples of each case, taken in ``rounds`` alternating chunks after a warm-up."""
    for case in cases:
        for _ in range(warmup):
            _sample(case)
    chunk = max(1, samples // rounds)
    for _ in range(rounds):
        for case in cases:
            gc.collect()
            case.samples.extend(_sample(case) for _ in range(chunk))
    return cases


def timed(op: Callable[[], object]) -> float:
    """Seconds taken by one call."""
    start = time.perf_counter()
    op()
    return time.perf_counter() - start
