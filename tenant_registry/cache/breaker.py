"""A per-process circuit breaker: after a failure the shared tier is skipped for a cool-down."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import Enum

from .. import observer


class Pass(Enum):
    SKIP = 0
    NORMAL = 1
    PROBE = 2


class Breaker:
    """Closed: every call passes. Open: calls are skipped until the cool-down ends, then one
    caller probes; its success closes the breaker, its failure starts a new cool-down.
    ``on_open`` and ``on_close`` are told of each change (the outage log)."""

    def __init__(
        self,
        cooldown: Callable[[], float],
        on_open: Callable[[BaseException, float], None],
        on_close: Callable[[], None],
    ) -> None:
        self._cooldown = cooldown
        self._on_open = on_open
        self._on_close = on_close
        self._lock = threading.Lock()
        self._open_until: float | None = None
        self._probing = False
        self.last_error: str | None = None  # the latest failure, for cache_info()'s reason

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def remaining(self) -> float:
        """Seconds until the cool-down ends (0 when closed or when a probe may go)."""
        until = self._open_until
        return 0.0 if until is None else max(0.0, until - time.monotonic())

    def acquire(self) -> Pass:
        if self._open_until is None:
            return Pass.NORMAL
        with self._lock:
            if self._open_until is None:
                return Pass.NORMAL
            if self._probing or time.monotonic() < self._open_until:
                return Pass.SKIP
            self._probing = True
        observer.current.breaker(observer.HALF_OPEN)
        return Pass.PROBE

    def force_probe(self) -> Pass:
        """A probe now, cool-down or not: something else showed the service answers again."""
        with self._lock:
            if self._open_until is None:
                return Pass.NORMAL
            self._probing = True
        observer.current.breaker(observer.HALF_OPEN)
        return Pass.PROBE

    def success(self, mode: Pass) -> None:
        if mode is Pass.PROBE:
            with self._lock:
                self._open_until, self._probing = None, False
            observer.current.breaker(observer.CLOSED)
            self._on_close()

    def failure(self, mode: Pass, exc: BaseException) -> None:
        cooldown = self._cooldown()
        self.last_error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            was_closed = self._open_until is None
            self._open_until = time.monotonic() + cooldown
            self._probing = False
        observer.current.breaker(observer.OPEN)
        if was_closed:
            self._on_open(exc, cooldown)

    def reset(self) -> None:
        self.last_error = None
        with self._lock:
            self._open_until, self._probing = None, False
        observer.current.breaker(observer.CLOSED)
