"""Fills written off the reader's path: a reader that loaded an entry hands its guarded fill to
one thread per process and returns at once.

The fill stays guarded by the tokens read before the database was, so writing it later can
only make it refused, never stale. A process reads its own fills: a cache read of a tenant
first waits for this process's fill of that tenant (see :func:`settle`). Fills still queued
when the process exits are dropped; their load locks expire after ``LOCK_TTL_MS``.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable

logger = logging.getLogger("tenant_registry")
SETTLE_SECONDS = 2.0  # at most this long for a fill of one's own; then the read goes on without it
Job = tuple[str, Callable[[], object]]

_lock = threading.Condition()
_pending: Counter[str] = Counter()
_queue: queue.SimpleQueue[Job] = queue.SimpleQueue()
_worker: threading.Thread | None = None


def submit(tenant_id: str, write: Callable[[], object]) -> None:
    """Run ``write`` (which must not raise) on the fill thread."""
    global _worker
    with _lock:
        _pending[tenant_id] += 1
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="tenant-registry-fills", daemon=True)
            _worker.start()
    _queue.put((tenant_id, write))


def settle(tenant_id: str | None = None) -> None:
    """Wait until this process's queued fills (of ``tenant_id``, or all) are written."""
    if not _pending:
        return
    deadline = time.monotonic() + SETTLE_SECONDS
    with _lock:
        while (_pending[tenant_id] if tenant_id is not None else _pending) and time.monotonic() < deadline:
            _lock.wait(deadline - time.monotonic())


def _run() -> None:
    while True:
        tenant_id, write = _queue.get()
        try:
            write()
        except Exception:  # a lost fill is only a later miss; the thread must live on
            logger.exception("tenant %s: writing a cache fill failed", tenant_id)
        finally:
            with _lock:
                _pending[tenant_id] -= 1
                if _pending[tenant_id] <= 0:
                    del _pending[tenant_id]
                _lock.notify_all()


def _reset_after_fork() -> None:
    """A child starts with no thread and none of its parent's fills (the parent writes those)."""
    global _lock, _pending, _queue, _worker
    _lock, _pending, _queue, _worker = threading.Condition(), Counter(), queue.SimpleQueue(), None


os.register_at_fork(after_in_child=_reset_after_fork)
