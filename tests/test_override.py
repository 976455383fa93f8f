"""override_tenant_config: a patched config for one tenant, past every tier, restored exactly."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from tenant_registry import get_tenant_config
from tenant_registry.exceptions import InvalidConfig, InvalidTenantId
from tenant_registry.models import Tenant
from tenant_registry.testing import override_tenant_config

from .helpers import commands
from .test_async_read import in_own_loop, while_the_sync_thread_sleeps

REAL = {"client": {"name": "Real", "tier": "gold"}, "email": {"from": "a@example.com"}}  # as cached_tenant makes it


def test_a_replaced_config_costs_no_query_and_no_cache_call(cached_tenant, django_assert_num_queries):
    redis = cached_tenant.client()
    before = commands(redis)
    with django_assert_num_queries(0), override_tenant_config("tn_real", {"client": {"name": "Patched"}}):
        for read in (get_tenant_config, Tenant.objects.get_config):
            config = read("tn_real")
            assert config == {
                "client": {"name": "Patched"},
                "_meta": {"source": "override", "tenant_id": "tn_real", "status": "active"},
            }
    assert commands(redis) == before
    assert get_tenant_config("tn_real")["client"] == REAL["client"]


def test_each_read_is_a_private_copy(cached_tenant):
    with override_tenant_config("tn_real", {"client": {"name": "Patched"}}):
        get_tenant_config("tn_real")["client"]["name"] = "changed by the caller"
        assert get_tenant_config("tn_real")["client"]["name"] == "Patched"


def test_a_merged_config_reads_the_row_past_every_cache(cached_tenant, django_assert_num_queries):
    redis = cached_tenant.client()
    before = commands(redis)
    patch = {"email": {"from": None, "to": "test@example.com"}, "prompts": {"greeting": "hi"}}
    with django_assert_num_queries(1), override_tenant_config("tn_real", patch, merge=True):
        config = get_tenant_config("tn_real")
    assert commands(redis) == before
    assert config == {
        "client": REAL["client"],
        "email": {"to": "test@example.com"},
        "prompts": {"greeting": "hi"},
        "_meta": {"source": "override", "tenant_id": "tn_real", "status": "active"},
    }


def test_a_merge_sees_a_save_made_under_it(tenant_factory):
    tenant_factory("tn_real", REAL)
    with override_tenant_config("tn_real", {"email": None}, merge=True):
        Tenant.objects.save_config("tn_real", {"client": {"name": "Saved"}, "email": {"from": "x@example.com"}})
        assert get_tenant_config("tn_real") == {
            "client": {"name": "Saved"},
            "_meta": {"source": "override", "tenant_id": "tn_real", "status": "active"},
        }


def test_nested_overrides_restore_in_order(cached_tenant):
    with override_tenant_config("tn_real", {"v": 1}):
        with override_tenant_config("tn_real", {"w": 2}, merge=True):
            assert get_tenant_config("tn_real")["v"] == 1
            assert get_tenant_config("tn_real")["w"] == 2
            with override_tenant_config("tn_real", None):
                assert get_tenant_config("tn_real") is None
            assert get_tenant_config("tn_real")["w"] == 2
        assert "w" not in (get_tenant_config("tn_real") or {})
        assert get_tenant_config("tn_real")["v"] == 1
    assert get_tenant_config("tn_real")["client"]["name"] == "Real"


def test_overrides_ended_out_of_order_each_remove_only_their_own(cached_tenant):
    outer = override_tenant_config("tn_real", {"v": "outer"})
    inner = override_tenant_config("tn_real", {"v": "inner"})
    outer.enable()
    inner.enable()
    outer.disable()
    assert get_tenant_config("tn_real")["v"] == "inner"
    inner.disable()
    assert get_tenant_config("tn_real")["client"]["name"] == "Real"
    with pytest.raises(RuntimeError, match="is not on"):
        inner.disable()


def test_an_error_in_the_block_restores(cached_tenant):
    with pytest.raises(ZeroDivisionError), override_tenant_config("tn_real", {"v": 1}):
        _ = 1 / 0
    assert get_tenant_config("tn_real")["client"]["name"] == "Real"


def test_only_the_named_tenant_is_overridden(tenant_factory):
    tenant_factory("tn_real", REAL)
    tenant_factory("tn_other", {"client": {"name": "Other"}})
    with override_tenant_config("tn_real", {"v": 1}):
        assert get_tenant_config("tn_other")["client"]["name"] == "Other"


def test_an_unknown_tenant_may_be_given_a_config_and_a_known_one_taken_away(tenant_factory):
    tenant_factory("tn_real", REAL)
    with override_tenant_config("tn_new", {"v": 1}), override_tenant_config("tn_real", None):
        assert get_tenant_config("tn_new")["v"] == 1
        assert get_tenant_config("tn_real") is None
    assert get_tenant_config("tn_new") is None


def test_a_yaml_only_tenant_is_overridden_and_merged_over_its_file():
    with override_tenant_config(
        "africastay", {"client": {"currency": "EUR"}, "_meta": {"status": "suspended"}}, merge=True
    ):
        config = get_tenant_config("africastay")
    assert config["client"]["name"] == "Africa Stay"
    assert config["client"]["currency"] == "EUR"
    assert config["_meta"] == {"source": "override", "tenant_id": "africastay", "status": "suspended"}
    assert get_tenant_config("africastay")["client"]["currency"] == "ZAR"


def test_the_override_is_answered_as_given_without_secret_resolution(tenant_factory, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    monkeypatch.setenv("TN_REAL_NOTE", "from the environment")
    given = {
        "infrastructure": {"openai": {"api_key": ""}, "vapi": {"api_key": "test-literal"}},
        "prompts": {"note": "${TN_REAL_NOTE}"},
    }
    with override_tenant_config("tn_real", given):
        config = get_tenant_config("tn_real")
    assert config["infrastructure"] == given["infrastructure"]
    assert config["prompts"]["note"] == "${TN_REAL_NOTE}"
    tenant_factory("tn_real", {"infrastructure": {"openai": {"api_key": ""}}, "prompts": {"note": "${TN_REAL_NOTE}"}})
    with override_tenant_config("tn_real", {"prompts": {"extra": "${TN_REAL_NOTE}"}}, merge=True):
        merged = get_tenant_config("tn_real")
    assert merged["infrastructure"]["openai"]["api_key"] == "sk-from-the-environment"  # the real part, resolved
    assert merged["prompts"] == {"note": "from the environment", "extra": "${TN_REAL_NOTE}"}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ([1, 2], "override_tenant_config('tn_a'): config must be a dict or None, got list"),
        ({"when": object()}, "override_tenant_config('tn_a'): config is not JSON"),
        ({"_meta": "active"}, "override_tenant_config('tn_a'): _meta must be a dict"),
    ],
)
def test_a_bad_config_is_refused_when_made(config, message):
    with pytest.raises(InvalidConfig, match=message.replace("(", r"\(").replace(")", r"\)")):
        override_tenant_config("tn_a", config)


def test_a_bad_id_is_refused_as_get_config_refuses_it():
    with pytest.raises(InvalidTenantId) as ours:
        override_tenant_config("TN A", {})
    with pytest.raises(InvalidTenantId) as theirs:
        get_tenant_config("TN A")
    assert str(ours.value) == str(theirs.value)


def test_it_decorates_sync_and_async_functions(cached_tenant):
    @override_tenant_config("tn_real", {"v": "sync"})
    def sync_read(tenant_id: str) -> object:
        return get_tenant_config(tenant_id)["v"]

    @override_tenant_config("tn_real", {"v": "async"})
    async def async_read(tenant_id: str) -> object:
        await asyncio.sleep(0)
        return (await Tenant.objects.aget_config(tenant_id))["v"]

    assert sync_read("tn_real") == "sync"
    assert in_own_loop(lambda: async_read("tn_real")) == "async"
    assert get_tenant_config("tn_real")["client"]["name"] == "Real"


def test_an_async_replaced_read_answers_on_the_event_loop(cached_tenant):
    """Not in Django's sync thread: while that thread sleeps, the override still answers at once."""
    with override_tenant_config("tn_real", {"v": 1}):
        config, seconds = while_the_sync_thread_sleeps("tn_real")
    assert config["v"] == 1
    assert seconds < 0.5


@pytest.mark.django_db(transaction=True)
def test_an_async_merged_read_runs_in_the_sync_thread(tenant_factory):
    tenant_factory("tn_real", REAL)
    with override_tenant_config("tn_real", {"v": 1}, merge=True):
        config, seconds = while_the_sync_thread_sleeps("tn_real")
    assert (config["v"], config["client"]["name"]) == (1, "Real")
    assert seconds > 0.5


def test_with_exitstack_the_overrides_of_several_tenants_end_together(tenant_factory):
    tenant_factory("tn_real", REAL)
    with contextlib.ExitStack() as stack:
        for tenant_id in ("tn_real", "tn_x", "tn_y"):
            stack.enter_context(override_tenant_config(tenant_id, {"id": tenant_id}))
        assert [get_tenant_config(t)["id"] for t in ("tn_real", "tn_x", "tn_y")] == ["tn_real", "tn_x", "tn_y"]
    assert get_tenant_config("tn_real")["client"]["name"] == "Real"
    assert get_tenant_config("tn_x") is None


def test_the_benchmarks_baseline_is_the_read_path_less_its_hook(tenant_factory):
    """make bench times the hit beside read.get_config compiled without the hook: that must be all it drops."""
    from benchmarks.override_hook import without_hook

    tenant_factory("tn_real", REAL)
    baseline = without_hook()
    assert baseline(Tenant, "tn_real") == get_tenant_config("tn_real")
    with override_tenant_config("tn_real", {"v": 1}):
        assert get_tenant_config("tn_real")["v"] == 1
        assert baseline(Tenant, "tn_real")["client"] == REAL["client"]


def test_every_thread_of_the_process_sees_an_override():
    from .helpers import in_thread

    with override_tenant_config("example", {"v": "everywhere"}):
        assert in_thread(lambda: get_tenant_config("example"))()["v"] == "everywhere"
    assert in_thread(lambda: get_tenant_config("example"))()["_meta"]["source"] == "yaml"
