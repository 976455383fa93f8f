import pytest

from tenant_registry import get_tenant_config, list_all_tenants
from tenant_registry.exceptions import InvalidTenantId, YamlOnlyTenant
from tenant_registry.models import Tenant

from .helpers import store

pytestmark = pytest.mark.django_db(transaction=True)


def test_cache_hit_makes_no_query(tenant_factory, django_assert_num_queries):
    tenant_factory("tn_hit", {"client": {"name": "Hit"}})
    with django_assert_num_queries(1):
        assert Tenant.objects.get_config("tn_hit")["client"] == {"name": "Hit"}
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_hit")["client"] == {"name": "Hit"}


def test_meta_and_private_copies(tenant_factory):
    tenant_factory("tn_meta", {"client": {"name": "Meta"}, "list": [1]}, status="suspended")
    first = Tenant.objects.get_config("tn_meta")
    assert first["_meta"] == {"source": "database", "tenant_id": "tn_meta", "status": "suspended"}
    first["client"]["name"] = "mutated"
    first["list"].append(2)
    del first["_meta"]
    again = Tenant.objects.get_config("tn_meta")
    assert again["client"] == {"name": "Meta"}
    assert again["list"] == [1]
    assert again["_meta"]["source"] == "database"


def test_database_first_then_yaml_fallback(tenant_factory, django_assert_num_queries):
    from_yaml = Tenant.objects.get_config("tn_a1b2c3")
    assert from_yaml["_meta"] == {"source": "yaml", "tenant_id": "tn_a1b2c3", "status": "active"}
    assert from_yaml["client"]["name"] == "Kilimanjaro Treks"
    Tenant.objects.save_config("tn_a1b2c3", {"client": {"name": "From DB"}})
    from_db = Tenant.objects.get_config("tn_a1b2c3")
    assert from_db["_meta"]["source"] == "database"
    assert from_db["client"]["name"] == "From DB"


def test_yaml_fallback_is_cached(django_assert_num_queries):
    assert Tenant.objects.get_config("tn_g7h8i9")["_meta"]["source"] == "yaml"
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_g7h8i9")["_meta"]["source"] == "yaml"


def test_unknown_tenant_is_none_and_negative_cache_clears_on_create(django_assert_num_queries):
    assert Tenant.objects.get_config("tn_unknown") is None
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_unknown") is None
    Tenant.objects.save_config("tn_unknown", {"v": 1})
    assert Tenant.objects.get_config("tn_unknown")["v"] == 1


def test_yaml_only_tenants_never_touch_database_or_cache(django_assert_num_queries, raw_redis, key_prefix):
    Tenant.objects.bulk_create([Tenant(id="africastay", config={"client": {"name": "DB copy"}})])
    with django_assert_num_queries(0):
        config = Tenant.objects.get_config("africastay")
    assert config["client"]["name"] == "Africa Stay"
    assert config["_meta"] == {"source": "yaml", "tenant_id": "africastay", "status": "active"}
    assert raw_redis.exists(store().keys.entry("africastay")) == 0


def test_yaml_only_tenant_refuses_save():
    with pytest.raises(YamlOnlyTenant, match="africastay"):
        Tenant.objects.save_config("africastay", {})
    assert not Tenant.objects.filter(pk="africastay").exists()


@pytest.mark.parametrize("bad", ["", "UPPER", "-lead", "a" * 65, "../etc", "a b", "a:b", None, 7])
def test_invalid_id_is_refused_before_any_access(bad, django_assert_num_queries, use_cache, hung_redis):
    use_cache(hung_redis.url)
    with django_assert_num_queries(0), pytest.raises(InvalidTenantId):
        Tenant.objects.get_config(bad)
    assert hung_redis.accepted == []
    assert isinstance(InvalidTenantId("x"), ValueError)


def test_save_config_validates(tenant_factory):
    from tenant_registry.exceptions import InvalidConfig

    with pytest.raises(InvalidConfig, match="tn_bad.*JSON object"):
        Tenant.objects.save_config("tn_bad", ["not", "an", "object"])  # type: ignore[arg-type]
    with pytest.raises(InvalidConfig, match="tn_bad.*status"):
        Tenant.objects.save_config("tn_bad", {}, status="deleted")
    assert not Tenant.objects.filter(pk="tn_bad").exists()


def test_save_config_creates_and_updates(tenant_factory):
    created = Tenant.objects.save_config("tn_new", {"a": 1, "_meta": {"source": "x"}}, name="New", status="inactive")
    assert (created.name, created.status, created.config) == ("New", "inactive", {"a": 1})
    updated = Tenant.objects.save_config("tn_new", {"a": 2})
    assert (updated.name, updated.status, updated.config, updated.version) == ("New", "inactive", {"a": 2}, 2)


def test_list_tenants(tenant_factory):
    tenant_factory("tn_active")
    tenant_factory("tn_inactive", status="inactive")
    tenant_factory("tn_a1b2c3")
    yaml_ids = [
        "africastay",
        "beachresorts",
        "example",
        "safariexplore-kvph",
        "safarirun-t0vc",
        "tn_a1b2c3",
        "tn_d4e5f6",
        "tn_g7h8i9",
    ]
    assert Tenant.objects.list_tenants(include_yaml=False) == ["tn_a1b2c3", "tn_active"]
    assert Tenant.objects.list_tenants() == sorted({*yaml_ids, "tn_active"})
    assert list_all_tenants() == Tenant.objects.list_tenants()


def test_public_helpers(tenant_factory):
    tenant_factory("tn_helper", {"v": 1})
    assert get_tenant_config("tn_helper")["v"] == 1


def test_key_order_is_kept_in_the_database():
    config = {"zeta": 1, "alpha": {"y": 2, "b": 3}, "mid": [{"z": 1, "a": 2}]}
    Tenant.objects.save_config("tn_order", config)
    assert list(Tenant.objects.get(pk="tn_order").config) == ["zeta", "alpha", "mid"]
    assert list(Tenant.objects.get(pk="tn_order").config["alpha"]) == ["y", "b"]
    resolved = Tenant.objects.get_config("tn_order")
    assert resolved is not None
    assert list(resolved) == ["zeta", "alpha", "mid", "_meta"]
    assert list(resolved["mid"][0]) == ["z", "a"]


def test_aget_config_for_async_code(tenant_factory):
    import asyncio
    import threading

    from asgiref.sync import sync_to_async
    from django.db import connections

    tenant_factory("tn_async", {"v": 1})
    results = []

    async def scenario():
        results.append((await Tenant.objects.aget_config("tn_async"))["v"])
        try:
            await Tenant.objects.aget_config("Not valid")
        except InvalidTenantId as exc:
            results.append(type(exc).__name__)
        await sync_to_async(connections.close_all)()

    runner = threading.Thread(target=lambda: asyncio.run(scenario()))  # a loop of its own, as under ASGI
    runner.start()
    runner.join(30)
    assert results == [1, "InvalidTenantId"]
