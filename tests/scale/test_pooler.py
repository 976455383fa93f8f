"""PostgreSQL behind PgBouncer in transaction mode: server sessions shared by clients and handed out in
turn. Every miss reads the right row, a save is fresh everywhere, and the prepared SELECT stays in use
where the pooler lets it (README, Deploying: PostgreSQL)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tenant_registry.models import Tenant

from .conftest import registry_env
from .pg_topology import Server
from .registry_worker import Worker, worker_pair

pytestmark = [pytest.mark.scale, pytest.mark.django_db(transaction=True)]
TENANTS = [f"tn_pool_{n}" for n in range(5)]


@pytest.fixture
def behind(pooler: Callable[..., Server], settings: Any) -> Iterator[Callable[..., tuple[Worker, Worker]]]:
    """Two Django processes on the test database through a pooler started with the given options."""
    for tenant in TENANTS:
        Tenant.objects.save_config(tenant, {"client": {"name": tenant}})

    def start(stack: contextlib.ExitStack, **options: Any) -> tuple[Worker, Worker]:
        url = pooler(**options).url(settings.DATABASES["default"]["NAME"])
        return stack.enter_context(worker_pair(registry_env(settings, DATABASE_URL=url)))

    with contextlib.ExitStack() as stack:
        yield functools.partial(start, stack)


def _misses(workers: tuple[Worker, Worker], count: int) -> list[list[str]]:
    """``count`` misses, alternating between the workers; what each sent."""
    sent = []
    for n in range(count):
        tenant = TENANTS[n % len(TENANTS)]
        answer = workers[n % 2]("miss", tenant)
        assert answer["config"]["client"]["name"] == tenant
        sent.append(answer["sent"])
    return sent


def test_clients_sharing_a_server_session_keep_executing_the_statement_one_prepared(
    behind: Callable[..., tuple[Worker, Worker]],
) -> None:
    sent = _misses(behind(servers=1, round_robin=False), 20)
    assert sent[:2] == [["PREPARE"], ["PREPARE", "EXECUTE"]]  # the second client finds it prepared
    assert sent[2:] == [["EXECUTE"]] * 18


def test_misses_read_the_right_row_when_each_statement_may_reach_another_server(
    behind: Callable[..., tuple[Worker, Worker]],
) -> None:
    workers = behind(servers=3, round_robin=True)
    sent = _misses(workers, 90)
    assert max(len(statements) for statements in sent) <= 3  # EXECUTE lost, PREPARE found it, the SELECT
    assert [len(statements) for statements in sent[-10:]] == [1] * 10  # settled: one statement a miss
    workers[0]("save", TENANTS[0], config={"client": {"name": "renamed"}})
    assert workers[1]("get", TENANTS[0])["client"] == {"name": "renamed"}
