"""current_tenant() and tenant_context(): nesting, errors, asyncio tasks, threads."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from tenant_registry import carry, current_tenant, get_tenant_config, tenant_context
from tenant_registry.exceptions import InvalidTenantId

from .helpers import in_thread
from .test_async_read import in_own_loop


def test_no_tenant_outside_a_context():
    assert current_tenant() is None


def test_nesting_restores_each_tenant_in_turn():
    with tenant_context("tn_a") as outer:
        assert outer == current_tenant() == "tn_a"
        with tenant_context("tn_b"):
            assert current_tenant() == "tn_b"
            with tenant_context(None):
                assert current_tenant() is None
            assert current_tenant() == "tn_b"
        assert current_tenant() == "tn_a"
    assert current_tenant() is None


def test_an_error_in_the_block_restores_the_tenant():
    with tenant_context("tn_a"):
        with pytest.raises(KeyError), tenant_context("tn_b"):
            raise KeyError("boom")
        assert current_tenant() == "tn_a"
    assert current_tenant() is None


@pytest.mark.parametrize("bad", ["TN_A", "", "a" * 65, "tn a", 7, "../tn"])
def test_a_bad_id_is_refused_as_get_config_refuses_it(bad):
    with pytest.raises(InvalidTenantId) as ours:
        tenant_context(bad).__enter__()
    with pytest.raises(InvalidTenantId) as theirs:
        get_tenant_config(bad)
    assert str(ours.value) == str(theirs.value)
    assert current_tenant() is None


def test_it_decorates_a_function():
    @tenant_context("tn_deco")
    def seen() -> str | None:
        return current_tenant()

    assert seen() == "tn_deco"
    assert current_tenant() is None


def test_asyncio_tasks_see_the_tenant_they_were_started_under():
    async def scenario() -> list[str | None]:
        async def report() -> str | None:
            await asyncio.sleep(0.01)
            return current_tenant()

        with tenant_context("tn_a"):
            a = asyncio.create_task(report())
        with tenant_context("tn_b"):
            b = asyncio.create_task(report())
            in_thread = asyncio.to_thread(current_tenant)
            sync_side = sync_to_async(current_tenant)()
            seen = await asyncio.gather(a, b, in_thread, sync_side)
        return [*seen, current_tenant()]

    assert in_own_loop(scenario) == ["tn_a", "tn_b", "tn_b", "tn_b", None]


def test_async_to_sync_carries_the_tenant():
    async def report() -> str | None:
        return current_tenant()

    with tenant_context("tn_a"):
        join = in_thread(carry(lambda: async_to_sync(report)()))  # a thread: this one may run an event loop
    assert join() == "tn_a"


def test_a_plain_thread_starts_without_the_tenant_and_carry_brings_it():
    seen: dict[str, str | None] = {}

    def note(name: str) -> None:
        seen[name] = current_tenant()

    with tenant_context("tn_a"):
        plain = threading.Thread(target=note, args=("plain",))
        carried = threading.Thread(target=carry(note), args=("carried",))
        plain.start()
        carried.start()
    plain.join()
    carried.join()
    assert seen == {"plain": None, "carried": "tn_a"}


def test_carry_runs_on_several_threads_at_once_each_in_its_own_copy():
    barrier = threading.Barrier(4)

    def work(tenant_id: str) -> tuple[str | None, str | None]:
        before = current_tenant()
        with tenant_context(tenant_id):
            barrier.wait(5)
            return before, current_tenant()

    with tenant_context("tn_a"):
        task = carry(work)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(task, ["tn_1", "tn_2", "tn_3", "tn_4"]))
    assert results == [("tn_a", f"tn_{i}") for i in range(1, 5)]
