"""A task sent under tenant_context runs under that tenant in a real worker (prefork, 2 children)."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict

import pytest
import redis

from tenant_registry import current_tenant, tenant_context

from .harness.celery_app import client_name, fails, seen, sends_on

TIMEOUT = 60


def after(worker, task_id: str) -> str:
    """What the worker child's context held once the task was over ("-": no tenant)."""
    found = redis.Redis.from_url(worker.broker.url).blpop([f"after:{task_id}"], timeout=TIMEOUT)
    assert found is not None, f"no task_postrun record for {task_id}:\n{worker.output()}"
    return found[1].decode()


def test_a_task_sent_under_a_tenant_runs_under_it(celery_worker):
    with tenant_context("tn_a"):
        sent = seen.delay()
    assert current_tenant() is None
    assert sent.get(timeout=TIMEOUT)["tenant"] == "tn_a"
    assert after(celery_worker, sent.id) == "-"


def test_a_task_sent_under_no_tenant_runs_under_none(celery_worker):
    sent = seen.delay()
    assert sent.get(timeout=TIMEOUT)["tenant"] is None
    with tenant_context("tn_a"), tenant_context(None):
        assert seen.delay().get(timeout=TIMEOUT)["tenant"] is None


def test_tasks_of_different_tenants_on_one_child_do_not_leak(celery_worker):
    expected = list(itertools.islice(itertools.cycle(["tn_a", "tn_b", None]), 36))
    sent = []
    for tenant_id in expected:
        with tenant_context(tenant_id):
            sent.append(seen.delay(pause=0.01))
    results = [task.get(timeout=TIMEOUT) for task in sent]
    assert [r["tenant"] for r in results] == expected
    by_child = defaultdict(set)
    for result in results:
        by_child[result["pid"]].add(result["tenant"])
    assert any(len(tenants) == 3 for tenants in by_child.values()), by_child  # a child ran all three kinds
    assert {after(celery_worker, task.id) for task in sent} == {"-"}


def test_a_task_that_raises_still_resets(celery_worker):
    with tenant_context("tn_a"):
        failed = fails.delay()
    with pytest.raises(RuntimeError, match="under tn_a") as caught:
        failed.get(timeout=TIMEOUT)
    assert after(celery_worker, failed.id) == "-"
    child = int(re.search(r"failed in (\d+)", str(caught.value)).group(1))
    later = [seen.delay(pause=0.01) for _ in range(12)]
    on_that_child = [r for r in (t.get(timeout=TIMEOUT) for t in later) if r["pid"] == child]
    assert on_that_child, "no later task ran on the child that raised"
    assert {r["tenant"] for r in on_that_child} == {None}


def test_a_task_sent_from_a_task_keeps_the_tenant(celery_worker):
    with tenant_context("tn_b"):
        first = sends_on.delay()
    second = seen.AsyncResult(first.get(timeout=TIMEOUT))
    assert second.get(timeout=TIMEOUT)["tenant"] == "tn_b"


@pytest.mark.django_db(transaction=True)
def test_the_worker_reads_the_config_of_its_tenant(celery_worker, tenant_factory):
    tenant_factory("tn_worker_a", {"client": {"name": "Worker A"}})
    tenant_factory("tn_worker_b", {"client": {"name": "Worker B"}})
    with tenant_context("tn_worker_a"):
        a = client_name.delay()
    with tenant_context("tn_worker_b"):
        b = client_name.delay()
    assert (a.get(timeout=TIMEOUT), b.get(timeout=TIMEOUT)) == ("Worker A", "Worker B")


def test_a_forged_header_runs_under_no_tenant(celery_worker):
    sent = seen.apply_async(headers={"tenant_registry_tenant": "../other"})
    assert sent.get(timeout=TIMEOUT)["tenant"] is None
    assert "ignoring its tenant header: invalid tenant id '../other'" in celery_worker.output()
