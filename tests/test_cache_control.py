import pytest

from tenant_registry import cache
from tenant_registry.models import Tenant

from .helpers import store

pytestmark = pytest.mark.django_db(transaction=True)


def test_invalidate_one(tenant_factory, django_assert_num_queries):
    tenant_factory("tn_one", {"v": 1})
    Tenant.objects.get_config("tn_one")
    Tenant.objects.invalidate("tn_one")
    with django_assert_num_queries(1):
        Tenant.objects.get_config("tn_one")


def test_invalidate_all_removes_only_our_keys(tenant_factory, raw_redis, key_prefix):
    for i in range(3):
        tenant_factory(f"tn_all{i}", {"v": i})
        Tenant.objects.get_config(f"tn_all{i}")
    foreign = [f"other-app:{key_prefix}c:tn_all0", "tenant_config_other:c:tn_all1", f"{key_prefix[:-1]}x"]
    for key in foreign:
        raw_redis.set(key, b"keep", ex=60)
    try:
        assert Tenant.objects.cache_info()["cached_tenants"] == 3
        assert Tenant.objects.invalidate_all() == 3
        assert Tenant.objects.cache_info()["cached_tenants"] == 0
        assert [raw_redis.get(key) for key in foreign] == [b"keep"] * 3
    finally:
        raw_redis.delete(*foreign)


def test_invalidate_all_escapes_glob_characters_in_the_prefix(registry_config, tenant_factory, raw_redis):
    registry_config(KEY_PREFIX="tr[1]*?:")
    tenant_factory("tn_glob", {"v": 1})
    Tenant.objects.get_config("tn_glob")
    raw_redis.set("tr1x:c:tn_glob", b"foreign", ex=60)
    try:
        assert Tenant.objects.invalidate_all() == 1
        assert raw_redis.get("tr1x:c:tn_glob") == b"foreign"
    finally:
        raw_redis.delete("tr1x:c:tn_glob", "tr[1]*?:epoch", "tr[1]*?:g:tn_glob")


def test_cache_info_on_redis(tenant_factory):
    tenant_factory("tn_info", {"v": 1})
    Tenant.objects.get_config("tn_info")
    assert Tenant.objects.cache_info() == {
        "backend": "redis",
        "available": True,
        "reason": None,
        "ttl_seconds": 300,
        "cached_tenants": 1,
    }


def test_cache_info_on_locmem(tenant_factory, use_cache):
    use_cache("locmem")
    tenant_factory("tn_local", {"v": 1})
    assert Tenant.objects.get_config("tn_local")["v"] == 1
    assert Tenant.objects.cache_info() == {
        "backend": "locmem",
        "available": True,
        "reason": None,
        "ttl_seconds": 300,
        "cached_tenants": 1,
    }
    assert Tenant.objects.invalidate_all() == 1
    assert Tenant.objects.cache_info()["cached_tenants"] == 0


def test_locmem_cache_read_through_and_invalidation(tenant_factory, use_cache, django_assert_num_queries):
    use_cache("locmem")
    tenant_factory("tn_local", {"v": 1})
    Tenant.objects.get_config("tn_local")
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_local")["v"] == 1
    Tenant.objects.save_config("tn_local", {"v": 2})
    assert Tenant.objects.get_config("tn_local")["v"] == 2


def test_cache_info_without_a_cache(settings, tenant_factory):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    tenant_factory("tn_none", {"v": 1})
    assert Tenant.objects.get_config("tn_none")["v"] == 1
    assert Tenant.objects.cache_info() == {
        "backend": "none",
        "available": False,
        "reason": "no cache configured",
        "ttl_seconds": 300,
        "cached_tenants": None,
    }


def test_ttl_setting_is_applied(registry_config, tenant_factory, raw_redis, key_prefix):
    registry_config(CACHE_TTL=42)
    tenant_factory("tn_ttl", {"v": 1})
    Tenant.objects.get_config("tn_ttl")
    assert 40_000 < raw_redis.pttl(store().keys.entry("tn_ttl")) <= 42_000


def test_cache_holds_json_not_pickle(tenant_factory, raw_redis, key_prefix):
    import orjson

    tenant_factory("tn_json", {"v": 1})
    Tenant.objects.get_config("tn_json")
    cache.settle()
    stored = orjson.loads(raw_redis.get(store().keys.entry("tn_json")))
    assert stored["t"] == "tn_json"
    assert stored["c"] == {"v": 1}
