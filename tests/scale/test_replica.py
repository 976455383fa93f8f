"""PostgreSQL with a streaming replica that applies WAL 500 ms late, and the primary/replica router:
every write path works, and no process serves a config older than the last save once it returned."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import DATABASE
from .pg_topology import Replicated
from .registry_worker import Worker, worker_pair

pytestmark = pytest.mark.scale
WRITE_PATHS = ["save", "update", "bulk_update", "bulk_create"]
L1_BOUND = 0.1  # how long another process's L1 may serve an entry a commit replaced (README, Performance)


@pytest.fixture
def workers(replicated: Replicated, settings: Any) -> Iterator[tuple[Worker, Worker]]:
    """Two Django processes on the primary/replica pair, sharing this test's Redis namespace."""
    registry = {k: str(v) if isinstance(v, Path) else v for k, v in settings.TENANT_REGISTRY.items()}
    env = {
        "DATABASE_URL": replicated.primary.url(DATABASE),
        "REPLICA_DATABASE_URL": replicated.replica.url(DATABASE),
        "REDIS_URL": os.environ["REDIS_URL"],
        "TR_SETTINGS": json.dumps(registry),
    }
    with worker_pair(env) as pair:
        yield pair


def test_the_replica_applies_writes_half_a_second_late(replicated: Replicated) -> None:
    with replicated.primary.connect(DATABASE) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS lag_probe (n int)")
    replicated.wait_caught_up()
    with replicated.primary.connect(DATABASE) as conn:
        conn.execute("INSERT INTO lag_probe VALUES (1)")
        written = time.monotonic()
    with replicated.replica.connect(DATABASE) as conn:
        assert conn.execute("SELECT count(*) FROM lag_probe").fetchone() == (0,)
    replicated.wait_caught_up()
    assert time.monotonic() - written >= 0.4
    with replicated.replica.connect(DATABASE) as conn:
        assert conn.execute("SELECT count(*) FROM lag_probe").fetchone() == (1,)


@pytest.mark.parametrize("path", WRITE_PATHS)
def test_every_write_path_works_and_no_process_serves_the_old_config(
    replicated: Replicated, workers: tuple[Worker, Worker], path: str
) -> None:
    writer, other = workers
    tenant = f"tn_replica_{path}"
    writer("save", tenant, config={"v": 0})
    replicated.wait_caught_up()
    assert writer("get", tenant)["v"] == other("get", tenant)["v"] == 0  # both processes hold v0 now
    for version in (1, 2, 3):
        writer(path, tenant, config={"v": version})
        assert writer("get", tenant)["v"] == version
        time.sleep(L1_BOUND)
        # The replica has the old row until 500 ms after the write: reads in that window must not bring it back.
        for _ in range(4):
            assert other("get", tenant)["v"] == version
            assert writer("get", tenant)["v"] == version
            time.sleep(0.05)
    replicated.wait_caught_up()
    assert other("get", tenant)["v"] == writer("get", tenant)["v"] == 3


def test_a_new_tenant_is_served_at_once(replicated: Replicated, workers: tuple[Worker, Worker]) -> None:
    writer, other = workers
    assert other("get", "tn_replica_new") is None  # a cached "no such tenant" on the way
    writer("save", "tn_replica_new", config={"client": {"name": "new"}})
    time.sleep(L1_BOUND)
    assert other("get", "tn_replica_new")["client"] == {"name": "new"}
