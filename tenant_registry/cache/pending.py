"""The invalidations this process could not send: kept, and replayed before anything else the
moment the shared tier answers again (the tiers call :meth:`Owed.replay`)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .stores.base import Store

RETRY_MARGIN = 0.05  # the owed invalidations are retried this long after the cool-down ends


class Owed:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.ids: set[str] = set()
        self.everything = False
        self._timer: threading.Timer | None = None

    def any(self) -> bool:
        return self.everything or bool(self.ids)

    def add(self, ids: set[str] | None) -> None:
        """Owe the invalidation of ``ids`` (None: of every tenant)."""
        with self._lock:
            if ids is None:
                self.everything = True
            else:
                self.ids.update(ids)

    def snapshot(self) -> tuple[set[str], bool]:
        with self._lock:
            return set(self.ids), self.everything

    def replay(self, store: Store, lease: float) -> None:
        """Send what is owed; on failure it stays owed and the error propagates."""
        ids, everything = self.snapshot()
        if everything:
            store.invalidate_all(ids, lease)
        if ids:
            store.invalidate(ids, lease)
        with self._lock:
            self.ids.difference_update(ids)
            self.everything = self.everything and not everything

    def retry_in(self, seconds: float, retry: Callable[[], None]) -> None:
        """Call ``retry`` once, ``seconds`` (plus a margin) from now, unless a retry is due already."""
        with self._lock:
            if not (self.ids or self.everything) or (self._timer is not None and self._timer.is_alive()):
                return
            self._timer = threading.Timer(seconds + RETRY_MARGIN, self._fire, [retry])
            self._timer.daemon = True
            self._timer.start()

    def _fire(self, retry: Callable[[], None]) -> None:
        with self._lock:
            self._timer = None
        retry()

    def clear(self) -> None:
        with self._lock:
            self.ids.clear()
            self.everything = False
