"""Stampedes on one cold key: 32 threads in one process, and 32 threads in each of 2 processes.

Database queries are counted by a ``connection.execute_wrapper`` that each reader thread
installs around its own read (benchmark only: nothing is added to the library's hot path).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

THREADS = 32


class Readers:
    """``THREADS`` threads that keep their database connection between trials."""

    def __init__(self) -> None:
        self.queries = 0
        self._lock = threading.Lock()
        self._start = threading.Barrier(THREADS + 1)
        self._done = threading.Barrier(THREADS + 1)
        self._tenant = ""
        self._at = 0.0
        self._stop = False
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(THREADS)]
        for thread in self.threads:
            thread.start()

    def _count(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if "tenant_registry_tenant" in sql:
            with self._lock:
                self.queries += 1
        return execute(sql, params, many, context)

    def _run(self) -> None:
        from django.db import connection

        from tenant_registry.models import Tenant

        while True:  # connections open lazily and close after each trial: only a reader that queries holds one
            self._start.wait()
            if self._stop:
                return
            time.sleep(max(0.0, self._at - time.time()))
            with connection.execute_wrapper(self._count):
                Tenant.objects.get_config(self._tenant)
            connection.close()
            self._done.wait()

    def trial(self, tenant_id: str, at: float) -> int:
        self.queries, self._tenant, self._at = 0, tenant_id, at
        self._start.wait()
        self._done.wait()
        return self.queries

    def close(self) -> None:
        self._stop = True
        self._start.wait()


def in_process(tenant_ids: list[str]) -> list[int]:
    readers = Readers()
    try:
        return [readers.trial(t, time.time() + 0.02) for t in tenant_ids]
    finally:
        readers.close()


def _child(tasks: Any, results: Any) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from tenant_registry import cache

    deadline = time.monotonic() + 10  # the tier up before the trials, not during one
    while not ((tier := cache.local_tier()) is not None and tier.trusted) and time.monotonic() < deadline:
        time.sleep(0.01)
    readers = Readers()
    results.put("ready")
    while (task := tasks.get()) is not None:
        tenant_id, at = task
        results.put(readers.trial(tenant_id, at))
    readers.close()


def across_processes(tenant_ids: list[str], processes: int = 2) -> list[int]:
    """Total queries per trial, all processes' threads released at the same wall-clock instant."""
    context = multiprocessing.get_context("spawn")
    tasks = [context.Queue() for _ in range(processes)]
    results = [context.Queue() for _ in range(processes)]
    children = [context.Process(target=_child, args=(tasks[i], results[i]), daemon=True) for i in range(processes)]
    for child in children:
        child.start()
    for queue in results:
        assert queue.get(timeout=60) == "ready"
    totals: list[int] = []
    for tenant_id in tenant_ids:
        at = time.time() + 0.05
        for queue in tasks:
            queue.put((tenant_id, at))
        totals.append(sum(queue.get(timeout=30) for queue in results))
    for queue in tasks:
        queue.put(None)
    for child in children:
        child.join(10)
    return totals


def summary(counts: list[int]) -> str:
    return f"median {statistics.median(counts):g}, max {max(counts)} over {len(counts)} trials"
