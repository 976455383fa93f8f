"""System checks of TenantMiddleware's settings and of the Domain rows. Ids are documented in the
README under "System checks"."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, router
from django.http.request import validate_host

from .. import conf
from ..middleware.options import options

HEADER = "tenant_registry.resolvers.header"
HOST = "tenant_registry.resolvers.host"
MIDDLEWARE = "tenant_registry.middleware.TenantMiddleware"
AUTHENTICATION = "django.contrib.auth.middleware.AuthenticationMiddleware"
HOST_READERS = ("django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware")
PROBE = "tenant-registry-check"  # the subdomain a wildcard domain is checked with


def _settings_ok() -> bool:
    return isinstance(getattr(settings, conf.SETTING_NAME, {}), dict)  # else E001 says why


def check_middleware_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E007: RESOLVERS, UNKNOWN_TENANT or HEADER_AUTHORIZE cannot be used; E008: the header resolver
    without HEADER_AUTHORIZE, or before AuthenticationMiddleware."""
    if not _settings_ok():
        return []
    try:
        options()
    except (ImproperlyConfigured, TypeError, AttributeError) as exc:
        return [Error(str(exc), hint="See docs/middleware.md.", id="tenant_registry.E007")]
    if _lists(HEADER) and _before_authentication():
        return [
            Error(
                f"{HEADER} is in RESOLVERS but {MIDDLEWARE} runs before {AUTHENTICATION}: "
                "HEADER_AUTHORIZE cannot see request.user.",
                hint=f"Put {MIDDLEWARE} after {AUTHENTICATION} in MIDDLEWARE.",
                id="tenant_registry.E008",
            )
        ]
    if _lists(HEADER) and conf.get_settings().HEADER_AUTHORIZE is None:
        return [
            Error(
                f"{HEADER} is in RESOLVERS without HEADER_AUTHORIZE: any client could choose its tenant.",
                hint="Set TENANT_REGISTRY['HEADER_AUTHORIZE'] to the dotted path of a function "
                "(request, tenant_id) -> bool that checks the id against request.user.",
                id="tenant_registry.E008",
            )
        ]
    return []


def _lists(resolver: str) -> bool:
    resolvers = conf.get_settings().RESOLVERS
    return isinstance(resolvers, list | tuple) and resolver in resolvers


def _before_authentication() -> bool:
    middleware = list(settings.MIDDLEWARE)
    if MIDDLEWARE not in middleware or AUTHENTICATION not in middleware:
        return False
    return middleware.index(MIDDLEWARE) < middleware.index(AUTHENTICATION)


def check_open_hosts(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W012: ALLOWED_HOSTS accepts every host but the registry does not refuse unknown ones first."""
    if not _settings_ok() or "*" not in settings.ALLOWED_HOSTS:
        return []
    middleware = list(settings.MIDDLEWARE)
    problem = None
    if MIDDLEWARE not in middleware:
        problem = f"{MIDDLEWARE} is not in MIDDLEWARE"
    elif not _lists(HOST) or conf.get_settings().UNKNOWN_TENANT == "pass":
        problem = "the host resolver is not used, or UNKNOWN_TENANT is 'pass'"
    elif any(name in middleware[: middleware.index(MIDDLEWARE)] for name in HOST_READERS):
        problem = f"a middleware that reads the host ({', '.join(HOST_READERS)}) runs before {MIDDLEWARE}"
    if problem is None:
        return []
    return [
        Warning(
            f"ALLOWED_HOSTS accepts every host but {problem}: unknown hosts reach your views.",
            hint="Put TenantMiddleware right after SecurityMiddleware with the host resolver and the 404 "
            "policy, or list the hosts in ALLOWED_HOSTS (docs/middleware.md).",
            id="tenant_registry.W012",
        )
    ]


def check_domains_allowed(
    app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W011: Domain rows whose host ALLOWED_HOSTS refuses (a 400 before the registry is asked)."""
    domain = apps.get_model("tenant_registry", "Domain")
    using = router.db_for_read(domain)
    if not databases or using not in databases:
        return []
    try:
        names = list(domain.objects.using(using).values_list("domain", "tenant_id"))
    except DatabaseError:
        return []
    allowed = settings.ALLOWED_HOSTS or ([".localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    refused = [(name, tenant) for name, tenant in names if not validate_host(_probe(name), allowed)]
    return [
        Warning(
            f"domain {name} of tenant {tenant} is refused by ALLOWED_HOSTS: its requests get a 400.",
            hint=f"Add {'.' + name[2:] if name.startswith('*.') else name!r} to ALLOWED_HOSTS, or validate hosts "
            "with the registry instead (docs/middleware.md).",
            id="tenant_registry.W011",
        )
        for name, tenant in refused
    ]


def _probe(name: str) -> str:
    return f"{PROBE}{name[1:]}" if name.startswith("*.") else name
