"""A per-process circuit breaker: after a failure the guarded service is skipped for a cool-down."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import Enum

logger = logging.getLogger("tenant_registry")


class Pass(Enum):
    SKIP = 0
    NORMAL = 1
    PROBE = 2


class Breaker:
    """Closed: every call passes. Open: calls are skipped until the cool-down ends, then one
    caller probes; its success closes the breaker, its failure starts a new cool-down."""

    def __init__(self, name: str, cooldown: Callable[[], float]) -> None:
        self.name = name
        self._cooldown = cooldown
        self._lock = threading.Lock()
        self._open_until: float | None = None
        self._probing = False

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
            return Pass.PROBE

    def success(self, mode: Pass) -> None:
        if mode is Pass.PROBE:
            with self._lock:
                self._open_until, self._probing = None, False
            logger.warning("%s is reachable again; using it", self.name)

    def failure(self, mode: Pass, exc: BaseException) -> None:
        with self._lock:
            was_closed = self._open_until is None
            self._open_until = time.monotonic() + self._cooldown()
            self._probing = False
        if was_closed:
            logger.warning(
                "%s is unavailable (%s: %s); skipping it for %.1fs",
                self.name,
                type(exc).__name__,
                exc,
                self._cooldown(),
            )

    def reset(self) -> None:
        with self._lock:
            self._open_until, self._probing = None, False
