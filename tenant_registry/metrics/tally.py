"""Lookups counted per thread, with no lock on the read path, and handed to a backend in batches.

Each thread adds to its own :class:`Tally` (only it writes there). A flush, from the flusher thread
every :data:`FLUSH_SECONDS` or from a scrape, hands each tally's growth since the last flush to
``sink``: a prometheus counter costs a lock per increment (and a file write in multiprocess mode),
more than an in-process hit itself. A tally whose thread has ended is flushed once more, then dropped.
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

TIERS = ("local", "shared", "source", "file")
BOUNDS = (1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
FLUSH_SECONDS = 1.0


class Tally:
    __slots__ = ("buckets", "found", "missing", "sums")

    def __init__(self) -> None:
        self.found = [0] * len(TIERS)
        self.missing = [0] * len(TIERS)
        self.buckets = [[0] * (len(BOUNDS) + 1) for _ in TIERS]
        self.sums = [0.0] * len(TIERS)

    def add(self, tier: int, found: bool, seconds: float) -> None:
        (self.found if found else self.missing)[tier] += 1
        self.buckets[tier][bisect_left(BOUNDS, seconds)] += 1
        self.sums[tier] += seconds

    def copy(self) -> Tally:
        other = Tally()
        other.found, other.missing, other.sums = list(self.found), list(self.missing), list(self.sums)
        other.buckets = [list(row) for row in self.buckets]
        return other


@dataclass
class Growth:
    """What one tier added since the last flush."""

    tier: str
    found: int
    missing: int
    buckets: list[int]  # per bucket of BOUNDS, then +Inf (not cumulative)
    seconds: float


Sink = Callable[[Growth], None]


class Tallies:
    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self._local = threading.local()
        self._lock = threading.Lock()
        self._kept: list[tuple[weakref.ref[threading.Thread], Tally, Tally]] = []  # (thread, tally, flushed)
        self._flusher: threading.Thread | None = None
        self._stop = threading.Event()
        self.shared = threading.local()  # whether this thread's lookup now in progress hit the shared tier

    def mine(self) -> Tally:
        try:
            return self._local.tally  # type: ignore[no-any-return]
        except AttributeError:
            tally = self._local.tally = Tally()
            with self._lock:
                self._kept.append((weakref.ref(threading.current_thread()), tally, Tally()))
                if self._flusher is None:
                    self._flusher = threading.Thread(target=self._run, name="tenant-registry-metrics", daemon=True)
                    self._flusher.start()
        return tally

    def flush(self) -> None:
        with self._lock:
            kept = []
            for thread, tally, flushed in self._kept:
                now = tally.copy()
                self._hand_over(now, flushed)
                alive = thread()
                if alive is not None and alive.is_alive():
                    kept.append((thread, tally, now))
            self._kept = kept

    def _hand_over(self, now: Tally, before: Tally) -> None:
        for index, tier in enumerate(TIERS):
            found, missing = now.found[index] - before.found[index], now.missing[index] - before.missing[index]
            if found or missing:
                buckets = [a - b for a, b in zip(now.buckets[index], before.buckets[index], strict=True)]
                self.sink(Growth(tier, found, missing, buckets, now.sums[index] - before.sums[index]))

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            self.flush()

    def stop(self) -> None:
        """Flush what is counted and stop the flusher (settings changed)."""
        self._stop.set()
        self.flush()

    def after_fork(self) -> None:
        """A child counts from zero, on its own flusher: the parent's counts are the parent's."""
        self._local = threading.local()
        self.shared = threading.local()
        self._lock = threading.Lock()
        self._kept = []
        self._flusher = None
        self._stop = threading.Event()


_all: weakref.WeakSet[Tallies] = weakref.WeakSet()


def tallies(sink: Sink) -> Tallies:
    made = Tallies(sink)
    _all.add(made)
    return made


def after_fork() -> None:
    for each in list(_all):
        each.after_fork()
