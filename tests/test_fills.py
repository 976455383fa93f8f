"""A reader's fill is written by the fill thread: the reader does not wait for it, the process
reads its own fills, and a server that lost our scripts gets them again."""

from __future__ import annotations

import os
import threading

import pytest
import redis

from tenant_registry import cache
from tenant_registry.cache import fills
from tenant_registry.models import Tenant

from .helpers import peer_env, run_elsewhere

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reader_returns_before_its_fill_is_written_and_a_cache_read_waits_for_it(tenant_factory):
    tenant_factory("tn_later", {"v": 1})
    busy, written = threading.Event(), threading.Event()
    cache.fill_writer().submit("tn_other", lambda: busy.wait(10))  # the fill thread is held up

    assert Tenant.objects.get_config("tn_later")["v"] == 1
    store = cache.store()
    assert store is not None
    unsettled = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert not unsettled.exists(store.keys.entry("tn_later"))

    def finish() -> None:
        busy.set()
        written.set()

    threading.Timer(0.1, finish).start()
    assert cache.contains("tn_later")  # waits for this process's own fill
    assert written.is_set()


def test_settle_gives_up_after_its_bound(monkeypatch):
    monkeypatch.setattr(fills, "SETTLE_SECONDS", 0.05)
    writer, release = fills.FillWriter(), threading.Event()
    writer.submit("tn_stuck", lambda: release.wait(10))
    writer.settle("tn_stuck")
    assert writer.queued("tn_stuck") == 1
    release.set()
    monkeypatch.setattr(fills, "SETTLE_SECONDS", 5.0)
    writer.settle("tn_stuck")
    assert writer.queued() == 0


def test_a_process_that_exits_lets_its_queued_fills_land_first(tenant_factory, key_prefix, config_dir):
    tenant_factory("tn_exiting", {"v": 1})
    code = (
        "import time\n"
        "cache.fill_writer().submit('tn_slow', lambda: time.sleep(0.5))  # the next fill queues behind it\n"
        "assert Tenant.objects.get_config('tn_exiting')['v'] == 1\n"
    )
    run_elsewhere(code, peer_env(os.environ["REDIS_URL"], key_prefix, config_dir))
    store = cache.store()
    assert store is not None
    assert redis.Redis.from_url(os.environ["REDIS_URL"]).exists(store.keys.entry("tn_exiting"))


def test_a_failing_fill_is_logged_and_the_thread_lives_on(caplog):
    def broken() -> None:
        raise RuntimeError("boom")

    writer = fills.FillWriter()
    writer.submit("tn_broken", broken)
    writer.settle()
    assert "tn_broken: writing a cache fill failed" in caplog.text
    done = threading.Event()
    writer.submit("tn_next", done.set)
    writer.settle()
    assert done.is_set()


def test_a_server_that_lost_our_scripts_gets_them_again(
    redis_server, use_cache, tenant_factory, django_assert_num_queries
):
    use_cache(redis_server.url)
    tenant_factory("tn_script", {"v": 1})
    assert Tenant.objects.get_config("tn_script")["v"] == 1
    redis_server.client().script_flush()
    Tenant.objects.invalidate("tn_script")
    with django_assert_num_queries(1):
        assert Tenant.objects.get_config("tn_script")["v"] == 1
    assert cache.contains("tn_script")
    assert Tenant.objects.cache_info()["available"]


def test_an_error_answer_leaves_the_thread_connection_in_step(tenant_factory, raw_redis):
    tenant_factory("tn_step", {"v": 1})
    Tenant.objects.get_config("tn_step")
    store = cache.store()
    assert store is not None
    raw_redis.hset(store.keys.entry("tn_wrongtype"), "f", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        store.peek("tn_wrongtype")  # two answers, the first an error
    assert store.contains("tn_step")
    assert store.peek("tn_step") == (raw_redis.get(store.keys.entry("tn_step")), False)
