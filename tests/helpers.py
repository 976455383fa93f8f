"""Helpers of the tests, each defined once: bounds and polling, the query counter, the second
process, the in-process tier's channel, Redis command counts, and an unreachable database."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.core.management import CommandError, call_command
from django.db import connections

from tenant_registry import cache, conf
from tenant_registry.cache import LocalCache

from .ports import free_port

REPO = Path(__file__).resolve().parent.parent
SLACK = 0.75  # scheduling noise on a loaded two-core machine; never part of the documented bound
TENANT_TABLE = "tenant_registry_tenant"


def staleness_bound() -> float:
    """The documented bound: a stale entry is gone this long after Redis answers again."""
    return (
        float(conf.get_settings().CACHE_COOLDOWN)
        + conf.get_settings().SOCKET_CONNECT_TIMEOUT
        + conf.get_settings().SOCKET_TIMEOUT
        + 0.1
    )


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

    def __init__(self, table: str = TENANT_TABLE) -> None:
        self.table = table
        self.statements: list[str] = []
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        return len(self.statements)

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


def in_thread(target: Callable[[], Any]) -> Callable[..., Any]:
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


def wait_live(timeout: float = 5.0) -> LocalCache:
    """The in-process tier, once its channel is up and its lease confirmed."""
    deadline = time.monotonic() + timeout
    while True:
        local = cache.local_tier()
        if local is not None and local.trusted:
            return local
        assert time.monotonic() < deadline, "the invalidation channel did not come up"
        time.sleep(0.01)


def wait_down(local: LocalCache, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while local.live:
        assert time.monotonic() < deadline, "the local tier still trusts a dead channel"
        time.sleep(0.01)


def commands(client: redis.Redis) -> int:
    """Commands the server has run, except INFO (this count) and PING (the subscriber's heartbeat)."""
    stats: Any = client.info("commandstats")  # typed differently by each redis-py release
    return sum(v["calls"] for k, v in stats.items() if k not in ("cmdstat_info", "cmdstat_ping"))


def peer_env(
    redis_url: str, key_prefix: str, config_dir: Path | str, tenant_id: str = "", **extra: str
) -> dict[str, str]:
    """The environment of a second process (tests/harness/peer.py) on this test's database, Redis and namespace."""
    db = connections["default"].settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "TR_PEER_PREFIX": key_prefix,
        "TR_PEER_CONFIG_DIR": str(config_dir),
        "TR_PEER_TENANT": tenant_id,
        **extra,
    }


def start_peer(action: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.harness.peer", action],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_line(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, f"the peer process ended early (exit code {process.wait()})"
    return json.loads(line)


def run_elsewhere(code: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``code`` (with ``Tenant``, ``cache`` and ``sys`` in scope) in a second process; it must succeed."""
    peer = start_peer("run", {**env, "TR_PEER_CODE": code})
    out, err = peer.communicate(stdin, timeout=60)
    done = subprocess.CompletedProcess(peer.args, peer.returncode, out, err)
    assert done.returncode == 0, err
    return done


def run(*args: Any, out: io.StringIO | None = None) -> tuple[str, str]:
    """A management command's stdout and stderr."""
    stdout, stderr = out or io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def fails(*args: Any) -> tuple[str, str, CommandError]:
    """stdout, stderr and the error of a management command that must fail with exit status 1."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=stdout, stderr=stderr)
    assert caught.value.returncode == 1
    return stdout.getvalue(), stderr.getvalue(), caught.value
