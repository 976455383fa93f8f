"""A Django process of the scale tests, run as ``python -m tests.scale.registry_worker`` under
project.deploy_settings: one JSON command per line on stdin, one JSON answer per line on stdout."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def _run(command: dict[str, Any]) -> Any:
    from tenant_registry.models import Tenant

    op, tenant_id = command["op"], command.get("tenant", "")
    if op == "get":
        return Tenant.objects.get_config(tenant_id)
    if op == "miss":  # the config read past the cache, and the first word of each statement sent for it
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        Tenant.objects.invalidate(tenant_id)
        with CaptureQueriesContext(connection) as queries:
            config = Tenant.objects.get_config(tenant_id)
        return {"config": config, "sent": [query["sql"].split()[0] for query in queries]}
    if op == "wait_live":  # until the in-process tier's channel is up
        from tests.helpers import wait_live

        return wait_live(command["timeout"]) is not None
    if op == "local":
        return _local_holds(tenant_id)
    if op == "save":
        return Tenant.objects.save_config(tenant_id, command["config"]).version
    if op == "update":
        return Tenant.objects.filter(pk=tenant_id).update(config=command["config"])
    if op == "bulk_update":
        tenant = Tenant.objects.get(pk=tenant_id)
        tenant.config = command["config"]
        return Tenant.objects.bulk_update([tenant], ["config"])
    if op == "bulk_create":
        row = Tenant(id=tenant_id, config=command["config"])
        upsert = {"update_conflicts": True, "update_fields": ["config"], "unique_fields": ["id"]}
        return len(Tenant.objects.bulk_create([row], **upsert))
    raise ValueError(f"unknown op {op!r}")


def _local_holds(tenant_id: str, timeout: float = 10.0) -> bool | None:
    """Whether this process's in-process tier, once its lease is confirmed, holds ``tenant_id``;
    None if its channel did not come up within ``timeout``."""
    from tenant_registry import cache

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tier = cache.local_tier()
        if tier is not None and tier.trusted:
            return tenant_id in tier
        time.sleep(0.01)
    return None


def main() -> None:
    import django

    django.setup()
    for line in sys.stdin:
        try:
            answer = {"ok": _run(json.loads(line))}
        except Exception as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


class Worker:
    """The parent's handle on one worker process."""

    def __init__(self, env: dict[str, str]) -> None:
        full = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.deploy_settings", **env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.scale.registry_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=full,
            text=True,
            cwd=REPO,
        )

    def __call__(self, op: str, tenant: str, **values: Any) -> Any:
        """The answer of ``op``; an AssertionError carrying the worker's error if it raised one."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, "tenant": tenant, **values}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"the worker exited with {self.process.wait()}"
        answer = json.loads(line)
        assert "error" not in answer, f"{op} {tenant}: {answer['error']}"
        return answer["ok"]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    main()


@contextlib.contextmanager
def worker_pair(env: dict[str, str]) -> Iterator[tuple[Worker, Worker]]:
    """Two workers with ``env``, closed on the way out."""
    pair = Worker(env), Worker(env)
    try:
        yield pair
    finally:
        for worker in pair:
            worker.close()
