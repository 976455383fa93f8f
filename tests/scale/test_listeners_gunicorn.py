"""Change listeners in every worker of a real gunicorn: a save in one worker is heard in the other, and
a receiver that sleeps delays no read (tests/scale/observed records what each worker heard)."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
import redis

from tenant_registry.cache import LEASE

from ..helpers import SLACK
from .app_servers import Answer, AppServer
from .procs import wait_until

pytestmark = pytest.mark.scale


def heard_by_other(server: AppServer, saver: int, tenant_id: str, version: int, timeout: float = 20) -> dict[str, Any]:
    """The record of ``tenant_id`` at ``version`` in a worker other than ``saver``."""
    deadline = time.monotonic() + timeout
    seen: dict[int, Any] = {}
    while time.monotonic() < deadline:
        answer = server.get("/heard/")
        seen[answer.pid] = answer.body["heard"]
        if answer.pid != saver:
            for record in answer.body["heard"]:
                if record.get("tenant_id") == tenant_id and record["version"] == version:
                    return dict(record)
    raise server.proc.failure(f"no worker but {saver} reported {tenant_id} v{version}: {seen}")


def subscribed(server: AppServer, settings: Any) -> AppServer:
    """``server`` once each of its workers is subscribed to the channel (a worker boots, then subscribes)."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    channel = f"{settings.TENANT_REGISTRY['KEY_PREFIX']}events"
    wait_until(lambda: client.pubsub_numsub(channel)[0][1] >= server.workers, 30, server.proc, "subscribed workers")
    client.close()
    return server


def saved(server: AppServer, tenant_id: str, value: int) -> Answer:
    answer = server.get(f"/save/{tenant_id}/{value}/")
    assert answer.status == 200, answer.body
    return answer


@pytest.mark.parametrize("kind", ["gunicorn", "gunicorn-preload"])
def test_a_save_in_one_worker_is_heard_in_the_other_within_the_lease(
    observed_server: Any, settings: Any, kind: str
) -> None:
    server = subscribed(observed_server(kind), settings)
    first = saved(server, "tn_heard", 1)
    record = heard_by_other(server, first.pid, "tn_heard", first.body["version"])
    assert record["sections"] == ["client", "email"]  # created: every section is new
    assert record["thread"] == "tenant-registry-listeners"
    assert record["at"] - first.body["returned"] <= LEASE + SLACK, record
    second = saved(server, "tn_heard", 2)
    record = heard_by_other(server, second.pid, "tn_heard", second.body["version"])
    assert record["sections"] == ["client"]  # only the changed section
    assert record["at"] - second.body["returned"] <= LEASE + SLACK, record
    assert "Traceback" not in server.proc.tail(10_000)


def test_a_receiver_that_sleeps_delays_no_read_and_loses_no_change(observed_server: Any, settings: Any) -> None:
    server = subscribed(observed_server(), settings)
    saved(server, "tn_other", 1)
    slow = saved(server, "slow-tenant", 1)  # every worker's receiver now sleeps 5 s on it
    during = saved(server, "tn_other", 2)
    assert during.body["sleeping"] or server.get("/heard/").body["sleeping"]
    reads_while_asleep: list[Answer] = []
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline and len({a.pid for a in reads_while_asleep}) < 2:
        answer = server.get("/read/tn_other/")
        if answer.body["sleeping"]:
            reads_while_asleep.append(answer)
    assert len({a.pid for a in reads_while_asleep}) == 2, "both workers answer while their receiver sleeps"
    assert {a.body["v"] for a in reads_while_asleep} == {2}  # and their tiers dropped the old entry
    record = heard_by_other(server, during.pid, "tn_other", during.body["version"])  # after the sleep
    assert record["at"] >= slow.body["returned"]
