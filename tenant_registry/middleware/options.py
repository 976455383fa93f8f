"""The middleware's settings, imported and compiled once per settings (dropped on setting_changed)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .. import conf

POLICIES = ("404", "pass")
Resolver = Callable[[Any], "str | None"]


@dataclass(frozen=True, slots=True)
class Options:
    resolvers: tuple[Resolver, ...]
    policy: str  # "404", "pass" or "view"
    policy_view: Callable[..., Any] | None
    exempt: tuple[str, ...]
    header_meta: str  # the header's META key: X-Tenant-Id -> HTTP_X_TENANT_ID
    authorize: Callable[[Any, str], bool] | None
    path_prefix: str


def load(path: object, what: str) -> Any:
    if not isinstance(path, str):
        raise ImproperlyConfigured(f"TENANT_REGISTRY[{what!r}] must be a dotted path, got {path!r}")
    try:
        found = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"TENANT_REGISTRY[{what!r}]: cannot import {path!r} ({exc})") from exc
    if not callable(found):
        raise ImproperlyConfigured(f"TENANT_REGISTRY[{what!r}]: {path!r} is not callable")
    return found


def header_meta(name: str) -> str:
    return "HTTP_" + name.upper().replace("-", "_")


@functools.cache
def options() -> Options:
    given = conf.get_settings()
    paths = given.RESOLVERS
    if not isinstance(paths, list | tuple):
        raise ImproperlyConfigured(f"TENANT_REGISTRY['RESOLVERS'] must be a list of dotted paths, got {paths!r}")
    policy = given.UNKNOWN_TENANT
    view = None if policy in POLICIES else load(policy, "UNKNOWN_TENANT")
    exempt = given.EXEMPT_PATHS
    if not isinstance(exempt, str | list | tuple):
        raise ImproperlyConfigured(f"TENANT_REGISTRY['EXEMPT_PATHS'] must be a list of path prefixes, got {exempt!r}")
    return Options(
        resolvers=tuple(load(path, "RESOLVERS") for path in paths),
        policy="view" if view is not None else str(policy),
        policy_view=view,
        exempt=(exempt,) if isinstance(exempt, str) else tuple(str(prefix) for prefix in exempt),
        header_meta=header_meta(str(given.TENANT_HEADER)),
        authorize=None if given.HEADER_AUTHORIZE is None else load(given.HEADER_AUTHORIZE, "HEADER_AUTHORIZE"),
        path_prefix="/" + str(given.PATH_PREFIX).strip("/") + "/",
    )
