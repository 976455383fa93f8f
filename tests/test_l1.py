"""The in-process tier: served without a query or a Redis command, evicted by another process's
save before that save returns, bypassed while its invalidation channel is down, bounded in size."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from django.db import connection

from tenant_registry import cache
from tenant_registry.cache.guard import Clock
from tenant_registry.cache.local import channel
from tenant_registry.cache.local.tier import LocalCache
from tenant_registry.models import Tenant

from .helpers import commands, peer_env, read_line, start_peer, wait_down, wait_live

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_l1_hit_makes_no_query_and_no_redis_command(
    redis_server: Any, use_cache: Any, django_assert_num_queries: Any
) -> None:
    use_cache(redis_server.url)
    Tenant.objects.save_config("tn_l1", {"client": {"name": "L1"}})
    local = wait_live()
    Tenant.objects.get_config("tn_l1")
    assert "tn_l1" in local
    client = redis_server.client()
    before = commands(client)
    with django_assert_num_queries(0):
        for _ in range(5):
            assert Tenant.objects.get_config("tn_l1")["client"]["name"] == "L1"
    assert commands(client) - before == 0


def test_without_l1_every_hit_is_one_redis_command(
    redis_server: Any, use_cache: Any, registry_config: Any, django_assert_num_queries: Any
) -> None:
    use_cache(redis_server.url)
    registry_config(L1_ENABLED=False)
    Tenant.objects.save_config("tn_l1", {"client": {"name": "L1"}})
    Tenant.objects.get_config("tn_l1")
    assert cache.local_tier() is None
    client = redis_server.client()
    before = commands(client)
    with django_assert_num_queries(0):
        for _ in range(5):
            Tenant.objects.get_config("tn_l1")
    assert commands(client) - before == 5


def test_a_save_in_another_process_has_evicted_our_entry_when_it_returns(
    redis_server: Any, use_cache: Any, key_prefix: str, config_dir: Any
) -> None:
    use_cache(redis_server.url)
    Tenant.objects.save_config("tn_peer", {"client": {"name": "v0"}})
    local = wait_live()
    assert Tenant.objects.get_config("tn_peer")["client"]["name"] == "v0"
    assert "tn_peer" in local
    peer = start_peer("save", peer_env(redis_server.url, key_prefix, config_dir, "tn_peer"))
    assert read_line(peer)["v"] == 1  # printed once its save returned: it waited for our acknowledgement
    assert "tn_peer" not in local
    assert peer.wait(30) == 0
    assert Tenant.objects.get_config("tn_peer")["client"]["name"] == "v1"


@pytest.mark.fault
def test_the_tier_is_bypassed_while_the_channel_is_down(
    redis_server: Any, use_cache: Any, django_assert_num_queries: Any
) -> None:
    use_cache(redis_server.url)
    Tenant.objects.save_config("tn_down", {"client": {"name": "before"}})
    local = wait_live()
    Tenant.objects.get_config("tn_down")
    assert "tn_down" in local
    redis_server.kill()
    wait_down(local)
    assert len(local) == 0
    with connection.cursor() as cursor:  # a write whose invalidation could not be published
        config = orjson.dumps({"client": {"name": "after"}}).decode()
        cursor.execute("UPDATE tenant_registry_tenant SET config = %s WHERE id = %s", [config, "tn_down"])
    for _ in range(3):
        with django_assert_num_queries(1):
            assert Tenant.objects.get_config("tn_down")["client"]["name"] == "after"
    assert len(local) == 0
    redis_server.start()
    assert wait_live() is local
    assert len(local) == 0


def test_the_tier_keeps_the_most_recently_used_entries_up_to_its_bound(registry_config: Any) -> None:
    registry_config(L1_MAX_ENTRIES=3)
    for index in range(5):
        Tenant.objects.save_config(f"tn_lru{index}", {"client": {"name": str(index)}})
    local = wait_live()
    for tenant_id in ("tn_lru0", "tn_lru1", "tn_lru2", "tn_lru0", "tn_lru3"):
        Tenant.objects.get_config(tenant_id)
    assert len(local) == 3
    assert [t in local for t in ("tn_lru0", "tn_lru1", "tn_lru2", "tn_lru3")] == [True, False, True, True]
    Tenant.objects.get_config("tn_lru4")
    assert len(local) == 3
    assert "tn_lru2" not in local


def test_a_fill_read_before_an_invalidation_is_refused() -> None:
    local = LocalCache(10, Clock())
    local.set_live(True)
    local.confirm(time.monotonic(), 60)
    seen = local.clock.now
    local.discard(["tn_a"])
    assert not local.put("tn_a", b"old", seen, 60)
    assert local.put("tn_a", b"new", local.clock.now, 60)
    assert local.get("tn_a") == b"new"


def test_a_fill_read_while_the_channel_was_down_is_refused_once_it_is_up() -> None:
    """Messages published while it was down were missed: what was read then may be older than they."""
    local = LocalCache(10, Clock())
    seen = local.clock.now
    local.set_live(True)
    local.confirm(time.monotonic(), 60)
    assert not local.put("tn_a", b"old", seen, 60)
    assert local.put("tn_a", b"new", local.clock.now, 60)


def test_nothing_is_served_or_kept_while_not_live() -> None:
    local = LocalCache(10, Clock())
    local.set_live(True)
    local.confirm(time.monotonic(), 60)
    local.put("tn_a", b"x", local.clock.now, 60)
    local.set_live(False)
    assert local.get("tn_a") is None
    assert not local.put("tn_a", b"x", local.clock.now, 60)
    local.set_live(True)
    local.confirm(time.monotonic(), 60)
    assert local.get("tn_a") is None


def test_an_entry_is_not_served_once_the_channel_has_not_confirmed_it_recently() -> None:
    """A live subscription whose thread has not handled a recent ping may hold unread invalidations."""
    local = LocalCache(10, Clock())
    local.set_live(True)
    local.confirm(time.monotonic(), 60)
    assert local.put("tn_a", b"x", local.clock.now, 60)
    assert local.get("tn_a") == b"x"
    local.fresh_until = time.monotonic() - 0.001
    assert local.get("tn_a") is None
    local.confirm(time.monotonic(), 60)
    assert local.get("tn_a") == b"x"


def _script_calls(client: Any) -> int:
    return int(client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


def test_a_reader_after_an_invalidation_message_reads_the_database_without_a_claim(
    redis_server: Any, use_cache: Any, django_assert_num_queries: Any
) -> None:
    use_cache(redis_server.url)
    Tenant.objects.save_config("tn_hint", {"v": 1})
    local = wait_live()
    Tenant.objects.get_config("tn_hint")  # its claim teaches the tier the namespace epoch
    Tenant.objects.save_config("tn_hint", {"v": 3})
    assert local.hinted("tn_hint")  # the save returned once this process's tier had the message
    client = redis_server.client()
    before = _script_calls(client)
    with django_assert_num_queries(1):
        assert Tenant.objects.get_config("tn_hint")["v"] == 3
    assert cache.contains("tn_hint")
    assert _script_calls(client) - before == 1  # the fill; no claim before the SELECT
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_hint")["v"] == 3


def test_an_out_of_date_hint_can_only_get_the_fill_refused(
    redis_server: Any, use_cache: Any, django_assert_num_queries: Any
) -> None:
    use_cache(redis_server.url)
    Tenant.objects.save_config("tn_hint", {"v": 1})
    local = wait_live()
    Tenant.objects.get_config("tn_hint")
    Tenant.objects.invalidate("tn_hint")
    assert local.hinted("tn_hint")  # the save returned once this process's tier had the message
    local.invalidated({"tn_hint": "a-token-from-before"}, "")  # a late message of an older save
    with django_assert_num_queries(1):
        assert Tenant.objects.get_config("tn_hint")["v"] == 1
    assert not cache.contains("tn_hint")
    local.discard(["tn_hint"])
    with django_assert_num_queries(1):  # no hint now: the claim path fills
        assert Tenant.objects.get_config("tn_hint")["v"] == 1
    assert cache.contains("tn_hint")


@pytest.mark.parametrize(
    ("message", "decoded"),
    [
        (channel.encode("a1", {"tn_b": "t2", "tn_a": "t1"}, ""), ("a1", {"tn_a": "t1", "tn_b": "t2"}, "")),
        (channel.encode("a2", None, "e1"), ("a2", None, "e1")),
        ("tn_a=t1 tn_b=t2", ("", {"tn_a": "t1", "tn_b": "t2"}, "")),
        ("tn_a tn_b", ("", {"tn_a": "", "tn_b": ""}, "")),
        ("*=e1", ("", None, "e1")),
        ("*", ("", None, "")),
    ],
)
def test_invalidation_messages_carry_tokens_and_old_ones_are_understood(message: str, decoded: Any) -> None:
    assert channel.decode(message.encode())[:3] == decoded
    assert channel.decode(message.encode()).changes == {}
