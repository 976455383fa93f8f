import pytest

from tenant_registry import cache
from tenant_registry.exceptions import TenantConflict
from tenant_registry.models import Tenant

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
    assert keys == [f"{key_prefix}c:tn_alpha", f"{key_prefix}c:tn_beta"]


def test_foreign_entry_under_a_key_is_not_served(two_tenants, raw_redis, key_prefix):
    raw_redis.set(f"{key_prefix}c:tn_alpha", raw_redis.get(f"{key_prefix}c:tn_beta"))
    assert Tenant.objects.get_config("tn_alpha")["client"]["name"] == "Alpha"


def test_secret_environment_is_per_tenant(two_tenants, monkeypatch):
    Tenant.objects.save_config("tn_alpha", {"infrastructure": {"openai": {"model": "m"}}})
    Tenant.objects.save_config("tn_beta", {"infrastructure": {"openai": {"model": "m"}}})
    monkeypatch.setenv("TN_ALPHA_OPENAI_API_KEY", "alpha-key")
    assert Tenant.objects.get_config("tn_alpha")["infrastructure"]["openai"]["api_key"] == "alpha-key"
    assert "api_key" not in Tenant.objects.get_config("tn_beta")["infrastructure"]["openai"]


def test_ids_sharing_an_environment_prefix_are_refused(tenant_factory):
    Tenant.objects.save_config("acme-1", {"v": 1})
    with pytest.raises(TenantConflict, match="acme_1.*ACME_1_.*'acme-1'"):
        Tenant.objects.save_config("acme_1", {"v": 2})
    assert list(Tenant.objects.values_list("pk", flat=True)) == ["acme-1"]
