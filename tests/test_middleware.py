"""TenantMiddleware through Django's test client: resolvers in order, the policy, forwarded hosts,
lazy configs, and what a request costs once the answers are in memory."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth.models import User

from tenant_registry.models import Domain, Tenant

from .helpers import commands, wait_live

pytestmark = pytest.mark.django_db(transaction=True)
HOOKS = "tests.middleware_hooks"
MIDDLEWARE = "tenant_registry.middleware.TenantMiddleware"


@pytest.fixture
def shop(tenant_factory: Any) -> Tenant:
    tenant = tenant_factory("tn_shop", {"client": {"name": "Shop"}, "v": 1})
    Domain.objects.create(domain="shop.localhost", tenant=tenant)
    return tenant


@pytest.fixture
def strict(registry_config: Any) -> None:
    registry_config(UNKNOWN_TENANT="404", EXEMPT_PATHS=("/admin/", "/health/"))


def quiet(client: Any) -> int:
    """The server's command count once the setup's late commands (acknowledgements, fills) are done."""
    wait_live()
    counts = [commands(client)]
    while len(counts) < 2 or counts[-1] != counts[-2]:
        time.sleep(0.1)
        counts.append(commands(client))
    return counts[-1]


def get(client: Any, path: str, host: str, **extra: Any) -> Any:
    return client.get(path, HTTP_HOST=host, **extra)


def test_the_host_gives_the_tenant_and_its_config(client, shop, strict):
    response = get(client, "/request-config/", "shop.localhost")
    assert response.status_code == 200
    assert response.json()["client"]["name"] == "Shop"
    assert response.json()["_meta"]["tenant_id"] == "tn_shop"
    assert get(client, "/request-tenant/", "SHOP.localhost:8000").json() == {"tenant": "tn_shop"}


def test_an_unknown_host_is_a_404_never_another_tenants_config(client, shop, strict):
    assert get(client, "/request-config/", "other.localhost").status_code == 404
    assert get(client, "/request-config/", "shop.localhost.evil.localhost").status_code == 404


@pytest.mark.parametrize("status", ["inactive", "suspended"])
def test_an_inactive_tenant_is_a_404(client, shop, strict, status):
    Tenant.objects.save_config("tn_shop", {"v": 2}, status=status)
    assert get(client, "/request-config/", "shop.localhost").status_code == 404


def test_pass_through_sets_no_tenant(client, shop, registry_config):
    registry_config(UNKNOWN_TENANT="pass")
    assert get(client, "/request-tenant/", "other.localhost").json() == {"tenant": None}
    assert get(client, "/request-config/", "other.localhost").status_code == 404  # the view's own 404: config None


@pytest.mark.parametrize("view", ["unknown_tenant_page", "aunknown_tenant_page"])
def test_the_policy_may_be_a_view(client, shop, registry_config, view):
    registry_config(UNKNOWN_TENANT=f"{HOOKS}.{view}")
    response = get(client, "/request-config/", "other.localhost")
    assert response.status_code == 421
    assert response.content.startswith(b"pick a tenant")


def test_exempt_paths_are_not_looked_up_and_cost_nothing(client, own_cache, shop, strict, django_assert_num_queries):
    watch = own_cache.client()
    before = quiet(watch)
    with django_assert_num_queries(0):
        response = get(client, "/health/", "unknown.localhost")
    assert response.status_code == 404  # no such URL in the demo: the resolver was never asked
    assert quiet(watch) == before


def test_a_warm_request_costs_no_query_and_no_cache_call(client, own_cache, shop, strict, django_assert_num_queries):
    wait_live()
    assert get(client, "/request-config/", "shop.localhost").status_code == 200  # host and config now in L1
    assert get(client, "/request-config/", "nobody.localhost").status_code == 404
    watch = own_cache.client()
    before = quiet(watch)
    with django_assert_num_queries(0):
        assert get(client, "/request-tenant/", "shop.localhost").json() == {"tenant": "tn_shop"}
        assert get(client, "/request-config/", "shop.localhost").json()["v"] == 1
        assert get(client, "/request-config/", "nobody.localhost").status_code == 404  # a cached "no such host"
    assert get(client, "/request-config/", "nobody.localhost").status_code == 404
    assert quiet(watch) == before


def test_the_config_is_resolved_only_when_the_view_reads_it(client, own_cache, shop, strict, monkeypatch):
    monkeypatch.delenv("TN_SHOP_REQUIRED", raising=False)
    wait_live()
    Tenant.objects.save_config("tn_shop", {"v": 2, "needs": "${TN_SHOP_REQUIRED:?set it}"})
    assert get(client, "/request-tenant/", "shop.localhost").json() == {"tenant": "tn_shop"}
    with pytest.raises(Exception, match="set it"):
        get(client, "/request-config/", "shop.localhost")


def test_a_save_is_seen_by_the_next_request(client, own_cache, shop, strict, tenant_factory):
    wait_live()
    other = tenant_factory("tn_other", {"v": 7})
    assert get(client, "/request-tenant/", "shop.localhost").json() == {"tenant": "tn_shop"}
    assert get(client, "/request-tenant/", "new.localhost").status_code == 404  # cached as unknown
    Domain.objects.create(domain="new.localhost", tenant=other)
    assert get(client, "/request-tenant/", "new.localhost").json() == {"tenant": "tn_other"}
    moved = Domain.objects.get(domain="shop.localhost")
    moved.tenant = other
    moved.save()
    assert get(client, "/request-tenant/", "shop.localhost").json() == {"tenant": "tn_other"}
    moved.domain = "renamed.localhost"
    moved.save()
    assert get(client, "/request-tenant/", "shop.localhost").status_code == 404
    assert get(client, "/request-tenant/", "renamed.localhost").json() == {"tenant": "tn_other"}
    moved.delete()
    assert get(client, "/request-tenant/", "renamed.localhost").status_code == 404
    Tenant.objects.filter(pk="tn_other").delete()
    assert get(client, "/request-tenant/", "new.localhost").status_code == 404


def test_invalidate_all_drops_host_entries(client, own_cache, shop, strict, tenant_factory):
    wait_live()
    other = tenant_factory("tn_other", {"v": 7})
    assert get(client, "/request-tenant/", "shop.localhost").json() == {"tenant": "tn_shop"}
    Domain.objects.filter(domain="shop.localhost").update(tenant=other)  # past the signals: stale until told
    assert get(client, "/request-tenant/", "shop.localhost").json() == {"tenant": "tn_shop"}
    Tenant.objects.invalidate_all()
    assert get(client, "/request-tenant/", "shop.localhost").json() == {"tenant": "tn_other"}


def test_x_forwarded_host_only_with_use_x_forwarded_host(client, shop, strict, settings):
    forwarded = {"HTTP_X_FORWARDED_HOST": "shop.localhost"}
    assert get(client, "/request-tenant/", "proxy.localhost", **forwarded).status_code == 404
    settings.USE_X_FORWARDED_HOST = True
    assert get(client, "/request-tenant/", "proxy.localhost", **forwarded).json() == {"tenant": "tn_shop"}
    settings.USE_X_FORWARDED_HOST = False
    assert get(client, "/request-tenant/", "proxy.localhost", **forwarded).status_code == 404


def test_a_host_allowed_hosts_refuses_is_a_400(client, shop, strict, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.localhost"]
    assert get(client, "/request-tenant/", "shop.localhost").status_code == 400
    settings.ALLOWED_HOSTS = ["testserver", ".localhost"]
    assert get(client, "/request-tenant/", "shop.localhost").status_code == 200


def test_the_header_needs_the_authorization_hook(client, shop, registry_config, tenant_factory, settings):
    tenant_factory("tn_other", {"v": 7})
    middleware = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    settings.MIDDLEWARE = [*middleware, MIDDLEWARE]  # after AuthenticationMiddleware: the hook reads request.user
    registry_config(
        UNKNOWN_TENANT="404",
        RESOLVERS=["tenant_registry.resolvers.header", "tenant_registry.resolvers.host"],
        HEADER_AUTHORIZE=f"{HOOKS}.allow_staff_of",
    )
    header = {"HTTP_X_TENANT_ID": "tn_other"}
    assert get(client, "/request-tenant/", "shop.localhost", **header).status_code == 403  # anonymous
    client.force_login(User.objects.create_user("tn_shop-staff"))
    assert get(client, "/request-tenant/", "shop.localhost", **header).status_code == 403  # not its tenant
    client.force_login(User.objects.create_user("tn_other-staff"))
    assert get(client, "/request-tenant/", "shop.localhost", **header).json() == {"tenant": "tn_other"}
    assert get(client, "/request-tenant/", "shop.localhost").json() == {"tenant": "tn_shop"}  # no header: the host


def test_the_header_is_off_by_default(client, shop, strict, tenant_factory):
    tenant_factory("tn_other", {"v": 7})
    response = get(client, "/request-tenant/", "shop.localhost", HTTP_X_TENANT_ID="tn_other")
    assert response.json() == {"tenant": "tn_shop"}


def test_the_path_prefix_and_a_custom_resolver_in_order(client, shop, registry_config, tenant_factory):
    tenant_factory("tn_other", {"v": 7})
    registry_config(
        UNKNOWN_TENANT="404",
        RESOLVERS=[f"{HOOKS}.by_query", "tenant_registry.resolvers.path_prefix", "tenant_registry.resolvers.host"],
    )
    assert get(client, "/t/tn_other/", "shop.localhost").status_code == 404  # no such URL, but resolved:
    assert get(client, "/request-tenant/?tenant=tn_other", "shop.localhost").json() == {"tenant": "tn_other"}
    assert get(client, "/request-tenant/", "shop.localhost").json() == {"tenant": "tn_shop"}
    assert get(client, "/request-tenant/?tenant=NOT AN ID", "shop.localhost").status_code == 404
    assert get(client, "/request-tenant/?tenant=tn_nobody", "shop.localhost").status_code == 404
