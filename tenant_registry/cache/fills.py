"""Fills written off the reader's path: a reader that loaded an entry hands its guarded fill to
one thread per process and returns at once.

The fill stays guarded by what was read before the database, so writing it later can only make
it refused, never stale. A process reads its own fills: a cache read of a tenant first waits for
this process's fill of that tenant (:meth:`FillWriter.settle`). At exit the process waits for its
queued fills for at most ``SETTLE_SECONDS``; fills dropped then leave load locks that expire after
``LOCK_TTL_MS``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable

logger = logging.getLogger("tenant_registry")
SETTLE_SECONDS = 2.0  # at most this long for a fill of one's own; then the read goes on without it
Job = tuple[str, Callable[[], object]]


class FillWriter:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._pending: Counter[str] = Counter()
        self._queue: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def submit(self, tenant_id: str, write: Callable[[], object]) -> None:
        """Run ``write`` (which must not raise) on the fill thread."""
        with self._lock:
            self._pending[tenant_id] += 1
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="tenant-registry-fills", daemon=True)
                self._worker.start()
        self._queue.put((tenant_id, write))

    def queued(self, tenant_id: str | None = None) -> int:
        """How many of this process's fills (of ``tenant_id``, or all) are not written yet."""
        with self._lock:
            return self._pending[tenant_id] if tenant_id is not None else sum(self._pending.values())

    def settle(self, tenant_id: str | None = None) -> None:
        """Wait until this process's queued fills (of ``tenant_id``, or all) are written."""
        if not self._pending:
            return
        deadline = time.monotonic() + SETTLE_SECONDS
        with self._lock:
            while (self._pending[tenant_id] if tenant_id else self._pending) and time.monotonic() < deadline:
                self._lock.wait(deadline - time.monotonic())

    def _run(self) -> None:
        while True:
            tenant_id, write = self._queue.get()
            try:
                write()
            except Exception:  # a lost fill is only a later miss; the thread must live on
                logger.exception("tenant %s: writing a cache fill failed", tenant_id)
            finally:
                with self._lock:
                    self._pending[tenant_id] -= 1
                    if self._pending[tenant_id] <= 0:
                        del self._pending[tenant_id]
                    self._lock.notify_all()
