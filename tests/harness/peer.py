"""The one second process of the tests: its own Django, the same database, cache and key prefix.

Run by :func:`tests.helpers.start_peer` as ``python -m tests.harness.peer ACTION`` with TR_PEER_*
variables (:func:`tests.helpers.peer_env`). Actions: ``save``, ``read``, ``stampede``, ``get``
(a config for each id on stdin) and ``run`` (the code in TR_PEER_CODE). It prints JSON lines.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time


def _setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.test_settings"
    import django
    from django.conf import settings

    django.setup()
    settings.TENANT_REGISTRY = {
        **settings.TENANT_REGISTRY,
        "KEY_PREFIX": os.environ["TR_PEER_PREFIX"],
        "CONFIG_DIR": os.environ["TR_PEER_CONFIG_DIR"],
        "CACHE_COOLDOWN": float(os.environ.get("TR_PEER_COOLDOWN", "1.0")),
    }
    if os.environ.get("TR_PEER_SECRET_KEYS"):  # the encrypted store on, with these Fernet keys (comma-separated)
        keys = os.environ["TR_PEER_SECRET_KEYS"].split(",")
        settings.TENANT_REGISTRY = {**settings.TENANT_REGISTRY, "SECRET_STORE": "database", "SECRET_KEYS_FERNET": keys}


def wait_trusted(timeout: float = 10) -> None:
    """Until this process's in-process tier is up, so that it does not come up during the test."""
    from tenant_registry import cache

    deadline = time.monotonic() + timeout
    while not ((tier := cache.local_tier()) is not None and tier.trusted) and time.monotonic() < deadline:
        time.sleep(0.01)


def _say(**values: object) -> None:
    sys.stdout.write(json.dumps(values) + "\n")
    sys.stdout.flush()


def save(tenant_id: str, count: int, pause: float) -> None:
    from tenant_registry.models import Tenant

    for version in range(1, count + 1):
        Tenant.objects.save_config(tenant_id, {"client": {"name": f"v{version}"}, "v": version})
        _say(v=version, done=time.time())
        time.sleep(pause)


def stampede(tenant_id: str, threads: int) -> None:
    from django.db import connection

    from tenant_registry import cache
    from tenant_registry.models import Tenant

    from ..helpers import TableQueries

    wait_trusted()
    queries = TableQueries()
    go = threading.Event()
    barrier = threading.Barrier(threads)

    def read() -> None:
        go.wait()
        barrier.wait()
        with connection.execute_wrapper(queries):
            Tenant.objects.get_config(tenant_id)
        connection.close()

    workers = [threading.Thread(target=read) for _ in range(threads)]
    for worker in workers:
        worker.start()
    _say(ready=True)
    sys.stdin.readline()
    go.set()
    for worker in workers:
        worker.join()
    cache.settle()  # a process that exits at once drops its queued fill, and the other would wait for it
    _say(queries=queries.count)


def read(tenant_id: str, threads: int) -> None:
    """Read ``tenant_id`` on ``threads`` threads until told the commits' return times (one JSON
    list on stdin, monotonic); then report the reads that started after a commit had returned
    and still got an older version."""
    from django.db import connection

    from tenant_registry.models import Tenant

    wait_trusted()
    stop = threading.Event()
    reads: list[list[tuple[float, int]]] = [[] for _ in range(threads)]

    def loop(mine: list[tuple[float, int]]) -> None:
        while not stop.is_set():
            started = time.monotonic()
            mine.append((started, Tenant.objects.get_config(tenant_id)["v"]))
        connection.close()

    workers = [threading.Thread(target=loop, args=(mine,)) for mine in reads]
    for worker in workers:
        worker.start()
    _say(ready=True)
    returned: list[float] = json.loads(sys.stdin.readline())
    stop.set()
    for worker in workers:
        worker.join()
    every = [r for mine in reads for r in mine]
    after = [(started, seen) for started, seen in every if started > returned[0]]
    stale = [(s, v) for s, v in after if v < sum(1 for t in returned if t < s)]
    _say(reads=len(every), after=len(after), stale=len(stale), last=every[-1][1] if every else None)


def get() -> None:
    from tenant_registry.models import Tenant

    for line in sys.stdin:
        sys.stdout.write(json.dumps(Tenant.objects.get_config(line.strip())) + "\n")
        sys.stdout.flush()


def run(code: str) -> None:
    from tenant_registry import cache
    from tenant_registry.models import Tenant

    exec(code, {"Tenant": Tenant, "cache": cache, "sys": sys})


if __name__ == "__main__":
    _setup()
    action, tenant = sys.argv[1], os.environ.get("TR_PEER_TENANT", "")
    if action == "get":
        get()
    elif action == "run":
        run(os.environ["TR_PEER_CODE"])
    elif action == "save":
        save(tenant, int(os.environ.get("TR_PEER_COUNT", "1")), float(os.environ.get("TR_PEER_PAUSE", "0")))
    elif action == "read":
        read(tenant, int(os.environ.get("TR_PEER_THREADS", "3")))
    elif action == "stampede":
        stampede(tenant, int(os.environ.get("TR_PEER_THREADS", "32")))
    else:
        raise SystemExit(f"unknown action {action}")
