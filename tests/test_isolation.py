"""One tenant never sees or disturbs another, nor another app: a write to one leaves the others
cached, keys are built only from validated ids, SCAN patterns are escaped, apps sharing one Redis
keep to their namespace, nothing flushes the database, env prefixes never clash, every config
returned is a private copy."""

from __future__ import annotations

import pytest

from tenant_registry import cache
from tenant_registry.exceptions import InvalidTenantId, TenantConflict
from tenant_registry.models import Tenant
from tenant_registry.reading import stored_entry as entry

from .helpers import store

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_tenants(tenant_factory):
    tenant_factory("tn_alpha", {"client": {"name": "Alpha"}})
    tenant_factory("tn_beta", {"client": {"name": "Beta"}})
    assert Tenant.objects.get_config("tn_alpha")["client"]["name"] == "Alpha"
    assert Tenant.objects.get_config("tn_beta")["client"]["name"] == "Beta"
    cache.settle()


def test_save_of_one_leaves_the_other_cached(two_tenants, django_assert_num_queries):
    Tenant.objects.save_config("tn_alpha", {"client": {"name": "Alpha 2"}})
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_beta")["client"]["name"] == "Beta"
    assert Tenant.objects.get_config("tn_alpha")["client"]["name"] == "Alpha 2"


def test_update_of_one_leaves_the_other(two_tenants, django_assert_num_queries):
    assert Tenant.objects.filter(pk="tn_alpha").update(config={"client": {"name": "A"}}) == 1
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_beta")["client"]["name"] == "Beta"
    assert Tenant.objects.get_config("tn_alpha")["client"]["name"] == "A"


def test_delete_of_one_leaves_the_other(two_tenants):
    Tenant.objects.filter(pk="tn_alpha").delete()
    assert Tenant.objects.get_config("tn_alpha") is None
    assert Tenant.objects.get_config("tn_beta")["client"]["name"] == "Beta"


def test_each_tenant_has_its_own_key(two_tenants, raw_redis, key_prefix):
    keys = sorted(k.decode() for k in raw_redis.scan_iter(match=f"{key_prefix}c:*"))
    assert keys == sorted([store().keys.entry("tn_alpha"), store().keys.entry("tn_beta")])
    assert all(key.startswith(f"{key_prefix}c:{{") for key in keys)  # each in its bucket's hash slot


def test_secret_environment_is_per_tenant(two_tenants, monkeypatch):
    Tenant.objects.save_config("tn_alpha", {"infrastructure": {"openai": {"model": "m"}}})
    Tenant.objects.save_config("tn_beta", {"infrastructure": {"openai": {"model": "m"}}})
    monkeypatch.setenv("TN_ALPHA_OPENAI_API_KEY", "alpha-key")
    assert Tenant.objects.get_config("tn_alpha")["infrastructure"]["openai"]["api_key"] == "alpha-key"
    assert "api_key" not in Tenant.objects.get_config("tn_beta")["infrastructure"]["openai"]


HOSTILE_IDS = ["../x", "/etc/passwd", "a:b", "tn*", "tn?", "[a]", "A", "", "a b", "a\nb", "x" * 65, "-a", "é", None, 7]


@pytest.mark.parametrize("bad", HOSTILE_IDS, ids=repr)
def test_keys_are_only_built_from_validated_ids(own_cache, bad):
    for call in (Tenant.objects.get_config, Tenant.objects.invalidate, lambda t: Tenant.objects.save_config(t, {})):
        with pytest.raises(InvalidTenantId, match="invalid tenant id"):
            call(bad)
    assert own_cache.client().dbsize() == 0


def as_app(registry_config, prefix: str) -> None:
    registry_config(KEY_PREFIX=prefix)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("app[12]:", "app1:"),  # an unescaped glob would match the other app
        ("app*:", "app-x:"),
        ("a?b\\:", "axb\\:"),
        ("x:", "x:c:"),  # our namespace is a prefix of theirs
        ("shop:", "shop:c:tn_a:"),
    ],
)
def test_two_apps_sharing_one_redis_never_touch_each_others_keys(
    own_cache, registry_config, tenant_factory, ours, theirs
):
    tenant_factory("tn_a", {"v": "db"})
    client = own_cache.client()
    as_app(registry_config, theirs)
    client.set(store().keys.entry("tn_a"), entry.encode("tn_a", "database", "active", {"v": "theirs"}))
    their_keys = {k: client.get(k) for k in client.scan_iter(match="*")}
    assert Tenant.objects.get_config("tn_a")["v"] == "theirs"

    as_app(registry_config, ours)
    assert Tenant.objects.get_config("tn_a")["v"] == "db"
    assert Tenant.objects.cache_info()["cached_tenants"] == 1
    assert Tenant.objects.invalidate_all() == 1
    assert Tenant.objects.cache_info()["cached_tenants"] == 0

    assert {k: client.get(k) for k in their_keys} == their_keys
    as_app(registry_config, theirs)
    assert Tenant.objects.get_config("tn_a")["v"] == "theirs"


def test_invalidate_all_never_flushes_the_database(own_cache, tenant_factory):
    client = own_cache.client()
    client.set("session:abc", "keep")
    client.hset("other-app:tenant_config:c:tn_a", "f", "keep")
    tenant_factory("tn_a")
    Tenant.objects.get_config("tn_a")
    assert Tenant.objects.invalidate_all() == 1
    assert client.get("session:abc") == b"keep"
    assert client.hget("other-app:tenant_config:c:tn_a", "f") == b"keep"


@pytest.mark.parametrize(("first", "second"), [("acme-1", "acme_1"), ("acme_1", "acme-1"), ("tn-a-b", "tn_a-b")])
def test_ids_that_share_an_environment_prefix_are_refused(db, first, second):
    Tenant.objects.save_config(first, {"v": 1})
    with pytest.raises(TenantConflict, match=f"tenant {second}: .* already used by existing tenant '{first}'"):
        Tenant.objects.save_config(second, {"v": 2})
    assert list(Tenant.objects.values_list("pk", flat=True)) == [first]
    assert Tenant.objects.get_config(second) is None


@pytest.mark.parametrize("tenant_id", ["tn_db", "example", "tn_a1b2c3"])
def test_every_config_returned_is_a_private_copy(own_cache, tenant_factory, tenant_id):
    tenant_factory("tn_db", {"client": {"name": "A"}, "list": [1]})
    for _ in range(3):  # miss, hit, hit
        config = Tenant.objects.get_config(tenant_id)
        config["client"]["name"] = "changed"
        config.setdefault("list", []).append("changed")
        config["_meta"]["tenant_id"] = "someone-else"
    again = Tenant.objects.get_config(tenant_id)
    assert again["client"]["name"] != "changed"
    assert "changed" not in again.get("list", [])
    assert again["_meta"]["tenant_id"] == tenant_id
