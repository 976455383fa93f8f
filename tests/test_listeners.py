"""Change listeners: tenant_config_changed once the in-process tier dropped the entry, on the listener
thread; what it carries; slow and raising receivers; old versions; the resync after a lost channel."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from tenant_registry.cache.changes import Change
from tenant_registry.cache.local import channel
from tenant_registry.models import Tenant
from tenant_registry.signals import tenant_config_changed

from .helpers import store, wait_live, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 5.0


def old_decode(data: str) -> tuple[str, dict[str, str] | None, str]:
    """The channel's decode before notes existed, as a peer still on the older release runs it."""
    items = data.split()
    ack = items.pop(0)[1:] if items and items[0].startswith("!") else ""
    pairs = dict(item.partition("=")[::2] for item in items)
    if "*" in pairs:
        return ack, None, pairs["*"]
    return ack, pairs, ""


def test_a_save_is_reported_with_its_version_and_changed_sections_on_the_listener_thread(heard: Any) -> None:
    wait_live()
    Tenant.objects.save_config("tn_l", {"client": {"name": "a"}, "email": {"from": "x@y.example"}})
    assert wait_until(lambda: len(heard.of("tn_l")) == 1, WAIT) is not None
    Tenant.objects.save_config("tn_l", {"client": {"name": "b"}, "email": {"from": "x@y.example"}, "new": 1})
    assert wait_until(lambda: len(heard.of("tn_l")) == 2, WAIT) is not None
    first, second = heard.of("tn_l")
    assert (first["version"], first["sections"]) == (1, frozenset({"client", "email"}))
    assert (second["version"], second["sections"]) == (2, frozenset({"client", "new"}))
    assert {first["thread"], second["thread"]} == {"tenant-registry-listeners"}


def test_a_domain_change_reports_no_tenant_of_its_host_key(heard: Any) -> None:
    from tenant_registry.models import Domain

    wait_live()
    tenant = Tenant.objects.save_config("tn_h", {"client": {}})
    Domain.objects.create(domain="shop.example.com", tenant=tenant)  # invalidates host:shop.example.com
    Tenant.objects.save_config("tn_h", {"client": {"name": "after"}})
    assert wait_until(lambda: len(heard.of("tn_h")) == 2, WAIT) is not None
    assert {c["tenant_id"] for c in heard.calls if not c.get("resync")} == {"tn_h"}


def test_a_delete_and_invalidate_all_report_no_version(heard: Any) -> None:
    wait_live()
    Tenant.objects.save_config("tn_d", {"client": {}})
    Tenant.objects.get(pk="tn_d").delete()
    Tenant.objects.invalidate_all()
    assert wait_until(lambda: len(heard.of(None)) == 1 and len(heard.of("tn_d")) == 2, WAIT) is not None
    assert heard.of("tn_d")[1]["version"] is None
    assert heard.of(None)[0]["version"] is None


def test_a_message_older_than_what_was_reported_is_not_reported_again(heard: Any) -> None:
    wait_live()
    for n in range(3):
        Tenant.objects.save_config("tn_o", {"n": n})
    assert wait_until(lambda: heard.of("tn_o") and heard.of("tn_o")[-1]["version"] == 3, WAIT) is not None
    reported = len(heard.of("tn_o"))
    late = channel.encode("", {"tn_o": "t1"}, "", {"tn_o": Change(2, None)})  # a late message of version 2
    store().client.publish(store().keys.channel, late)
    store().client.publish(store().keys.channel, channel.encode("", {"tn_p": "t2"}, ""))  # a later marker
    assert wait_until(lambda: heard.of("tn_p"), WAIT) is not None
    assert len(heard.of("tn_o")) == reported


def test_messages_of_a_peer_on_the_older_format_are_reported_and_ours_do_not_confuse_it(heard: Any) -> None:
    wait_live()
    store().client.publish(store().keys.channel, "!ack1 tn_old=token1")  # what an older release sends
    assert wait_until(lambda: heard.of("tn_old"), WAIT) is not None
    assert heard.of("tn_old")[0]["version"] is None and heard.of("tn_old")[0]["sections"] is None
    ours = channel.encode("ack2", {"tn_new": "tok"}, "", {"tn_new": Change(4, frozenset({"a b", "c,d"}))})
    ack, tokens, _ = old_decode(ours)
    assert ack == "ack2" and tokens is not None and tokens["tn_new"] == "tok"
    others = {t: token for t, token in tokens.items() if t != "tn_new"}
    assert all(not t[0].isalnum() and token == "" for t, token in others.items())  # no tenant, no hint
    assert channel.decode(ours).changes["tn_new"] == Change(4, frozenset({"a b", "c,d"}))


def test_a_slow_receiver_delays_no_read_and_loses_no_later_change(heard: Any) -> None:
    release = threading.Event()

    def slow(sender: object, tenant_id: str | None, **kwargs: Any) -> None:
        if tenant_id == "tn_slow":
            release.wait(30)

    tenant_config_changed.connect(slow, dispatch_uid="test-slow")
    try:
        wait_live()
        Tenant.objects.save_config("tn_slow", {"v": 1})
        assert wait_until(lambda: heard.of("tn_slow"), WAIT) is not None  # the slow receiver now blocks
        for v in (2, 3, 4):
            Tenant.objects.save_config("tn_f", {"v": v})
            assert Tenant.objects.get_config("tn_f")["v"] == v  # every tier dropped the old entry
        assert heard.of("tn_f") == []
    finally:
        release.set()
        tenant_config_changed.disconnect(dispatch_uid="test-slow")
    assert wait_until(lambda: heard.of("tn_f") and heard.of("tn_f")[-1]["version"] == 3, WAIT) is not None
    assert len(heard.of("tn_f")) == 1  # the three changes heard while blocked, merged into one


def test_a_raising_receiver_is_logged_and_the_others_still_hear(heard: Any, caplog: Any) -> None:
    def broken(sender: object, **kwargs: Any) -> None:
        raise RuntimeError("receiver bug")

    tenant_config_changed.connect(broken, dispatch_uid="test-broken")
    try:
        wait_live()
        with caplog.at_level(logging.ERROR, logger="tenant_registry"):
            Tenant.objects.save_config("tn_r", {"v": 1})
            assert wait_until(lambda: len(heard.of("tn_r")) == 1, WAIT) is not None
            Tenant.objects.save_config("tn_r", {"v": 2})  # heard after the failure
            assert wait_until(lambda: len(heard.of("tn_r")) == 2, WAIT) is not None

            def failures() -> list[logging.LogRecord]:
                return [r for r in caplog.records if r.name == "tenant_registry" and "broken" in r.getMessage()]

            assert wait_until(lambda: len(failures()) == 2, WAIT) is not None  # logged once the receivers ran
    finally:
        tenant_config_changed.disconnect(dispatch_uid="test-broken")
    assert failures()[0].exc_info is not None
    assert "tn_r" in failures()[0].getMessage()


def test_without_an_in_process_tier_the_saving_process_reports_its_own_changes(heard: Any, use_cache: Any) -> None:
    use_cache("locmem")
    Tenant.objects.save_config("tn_lm", {"v": 1})
    assert wait_until(lambda: heard.of("tn_lm"), WAIT) is not None
    assert heard.of("tn_lm")[0]["version"] == 1


@pytest.mark.fault
def test_a_resync_goes_out_after_the_channel_comes_back(heard: Any, redis_server: Any, use_cache: Any) -> None:
    use_cache(redis_server.url)
    local = wait_live()
    assert heard.resyncs() == 0  # the first subscription is no resync
    redis_server.restart_empty()
    assert wait_until(lambda: heard.resyncs() == 1, 10) is not None
    assert wait_live() is local
    Tenant.objects.save_config("tn_back", {"v": 1})  # and changes are heard again
    assert wait_until(lambda: heard.of("tn_back"), WAIT) is not None
