"""The middleware's checks: E007 (settings it cannot use), E008 (the header resolver unguarded),
W011 (domains ALLOWED_HOSTS refuses), W012 (every host allowed, none refused by the registry)."""

from __future__ import annotations

from typing import Any

import pytest

from tenant_registry.checks import middleware as checks
from tenant_registry.models import Domain

HEADER = "tenant_registry.resolvers.header"
MIDDLEWARE = "tenant_registry.middleware.TenantMiddleware"


def ids(messages: list[Any]) -> list[str]:
    return [m.id for m in messages]


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("RESOLVERS", "tenant_registry.resolvers.host", "must be a list of dotted paths"),
        ("RESOLVERS", ["tenant_registry.resolvers.nope"], "cannot import 'tenant_registry.resolvers.nope'"),
        ("RESOLVERS", ["tenant_registry.conf.SETTING_NAME"], "is not callable"),
        ("UNKNOWN_TENANT", "403", "cannot import '403'"),
        ("UNKNOWN_TENANT", 404, "must be a dotted path, got 404"),
        ("HEADER_AUTHORIZE", "tests.middleware_hooks.missing", "HEADER_AUTHORIZE"),
    ],
)
def test_e007_a_setting_the_middleware_cannot_use(registry_config, key, value, says):
    assert checks.check_middleware_settings() == []
    registry_config(**{key: value})
    messages = checks.check_middleware_settings()
    assert ids(messages) == ["tenant_registry.E007"]
    assert says in messages[0].msg
    assert key in messages[0].msg


def test_e008_the_header_resolver_without_its_hook_or_before_authentication(registry_config, settings):
    registry_config(RESOLVERS=[HEADER])
    messages = checks.check_middleware_settings()
    assert ids(messages) == ["tenant_registry.E008"]
    assert "HEADER_AUTHORIZE" in messages[0].msg
    registry_config(HEADER_AUTHORIZE="tests.middleware_hooks.allow_staff_of")
    assert "runs before" in checks.check_middleware_settings()[0].msg  # the demo puts it first
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE] + [MIDDLEWARE]
    assert checks.check_middleware_settings() == []


def test_w012_every_host_allowed_but_the_registry_refuses_none(registry_config, settings):
    settings.ALLOWED_HOSTS = ["*"]
    registry_config(UNKNOWN_TENANT="pass")
    assert ids(checks.check_open_hosts()) == ["tenant_registry.W012"]
    registry_config(UNKNOWN_TENANT="404")
    assert checks.check_open_hosts() == []
    settings.MIDDLEWARE = ["django.middleware.common.CommonMiddleware", MIDDLEWARE]
    assert "runs before" in checks.check_open_hosts()[0].msg
    settings.MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    assert "is not in MIDDLEWARE" in checks.check_open_hosts()[0].msg
    settings.ALLOWED_HOSTS = [".localhost"]
    assert checks.check_open_hosts() == []


@pytest.mark.django_db
def test_w011_a_domain_allowed_hosts_refuses(tenant_factory, settings):
    tenant = tenant_factory("tn_shop")
    Domain.objects.create(domain="shop.localhost", tenant=tenant)
    Domain.objects.create(domain="*.shops.localhost", tenant=tenant)
    Domain.objects.create(domain="shop.example.com", tenant=tenant)
    Domain.objects.create(domain="*.example.org", tenant=tenant)
    messages = checks.check_domains_allowed(databases=["default"])
    assert ids(messages) == ["tenant_registry.W011"] * 2
    assert [m.msg.split(" of ")[0] for m in messages] == ["domain *.example.org", "domain shop.example.com"]
    assert "'.example.org'" in str(messages[0].hint)
    assert checks.check_domains_allowed(databases=None) == []
    settings.ALLOWED_HOSTS = ["*"]
    assert checks.check_domains_allowed(databases=["default"]) == []
