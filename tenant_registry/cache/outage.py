"""One WARNING when the shared tier stops answering and one INFO when it answers again, per
process, whichever part (the breaker of the read path, the invalidation channel) notices first."""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger("tenant_registry")


class Outage:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down = False
        self.reason: str | None = None  # why the cache is not used now, for cache_info()
        self._misconfigured: set[str] = set()

    def began(self, cause: str, consequence: str, misconfigured: str | None = None) -> None:
        """One WARNING per outage; a misconfiguration is one ERROR per process, naming what to fix."""
        with self._lock:
            self.reason = misconfigured or cause
            if self.down:
                return
            self.down = True
            first = misconfigured is not None and misconfigured not in self._misconfigured
            if misconfigured is not None:
                self._misconfigured.add(misconfigured)
        if first:
            logger.error("tenant registry cannot use its cache: %s; serving from the database", misconfigured)
        elif misconfigured is None:
            logger.warning("tenant registry cache is unavailable (%s); %s", cause, consequence)

    def ended(self) -> None:
        with self._lock:
            self.reason = None
            if not self.down:
                return
            self.down = False
        logger.info("tenant registry cache is reachable again; using it")

    def reset(self) -> None:
        with self._lock:
            self.down = False
            self.reason = None
            self._misconfigured.clear()
