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

    def began(self, cause: str, consequence: str) -> None:
        with self._lock:
            if self.down:
                return
            self.down = True
        logger.warning("tenant registry cache is unavailable (%s); %s", cause, consequence)

    def ended(self) -> None:
        with self._lock:
            if not self.down:
                return
            self.down = False
        logger.info("tenant registry cache is reachable again; using it")

    def reset(self) -> None:
        with self._lock:
            self.down = False
