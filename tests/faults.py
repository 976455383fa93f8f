"""Helpers of the fault-injection tests: bounds, polling, counting real queries across threads,
and making PostgreSQL unreachable for this process only (the shared server keeps running)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import connections

from tenant_registry import cache, conf

from .services import free_port

REPO = Path(__file__).resolve().parent.parent
SLACK = 0.75  # scheduling noise on a loaded two-core machine; never part of the documented bound


def staleness_bound() -> float:
    """The documented bound: a stale entry is gone this long after Redis answers again."""
    return float(conf.get("CACHE_COOLDOWN")) + conf.get("SOCKET_CONNECT_TIMEOUT") + conf.get("SOCKET_TIMEOUT") + 0.1


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> float | None:
    """Seconds until ``predicate()`` held, or None if it did not within ``timeout``."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            return None
        time.sleep(step)


def store() -> Any:
    found = cache.store()
    assert found is not None
    return found


class TableQueries:
    """Counts the statements that touch one table, on every connection of every thread that uses it."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.statements: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if self.table in sql:
            with self._lock:
                self.statements.append(sql)
        return execute(sql, params, many, context)

    @contextlib.contextmanager
    def watching(self, using: str = "default") -> Iterator[None]:
        with connections[using].execute_wrapper(self):
            yield


@contextlib.contextmanager
def database_unreachable(using: str = "default") -> Iterator[None]:
    """Point this process's connection at a closed port; restore it afterwards."""
    connection = connections[using]
    saved = connection.settings_dict["PORT"], connection.settings_dict.get("OPTIONS", {}).copy()
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())
    connection.settings_dict.setdefault("OPTIONS", {})["connect_timeout"] = 2
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"], connection.settings_dict["OPTIONS"] = saved


def in_thread(target: Callable[[], Any]) -> Callable[[], Any]:
    """Run ``target`` on a thread with its own connections; returns a join() that gives its result."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = target()
        except BaseException as exc:
            box["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join(timeout: float = 30) -> Any:
        thread.join(timeout)
        assert not thread.is_alive(), "thread did not finish"
        if "error" in box:
            raise box["error"]
        return box.get("value")

    return join


DJANGO_SCRIPT = """
import sys, django
django.setup()
from django.test.utils import override_settings
override_settings(TENANT_REGISTRY={"KEY_PREFIX": sys.argv[1], "CACHE_COOLDOWN": float(sys.argv[2])}).enable()
from tenant_registry.models import Tenant
"""


def django_process_env(redis_url: str) -> dict[str, str]:
    """The environment of a separate process on this test's database and Redis."""
    db = connections["default"].settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
    }


def run_elsewhere(code: str, *, redis_url: str, key_prefix: str) -> str:
    """Run ``code`` (with ``Tenant`` imported) in another process; its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", DJANGO_SCRIPT + code, key_prefix, str(conf.get("CACHE_COOLDOWN"))],
        cwd=REPO,
        env=django_process_env(redis_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
