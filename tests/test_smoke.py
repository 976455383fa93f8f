from tenant_registry.models import Tenant


def test_database_tenant_round_trip(tenant_factory):
    tenant_factory("tn_smoke", {"client": {"name": "Smoke"}})
    assert Tenant.objects.get_config("tn_smoke")["client"] == {"name": "Smoke"}
