"""The middleware's settings, imported and compiled once per settings (dropped on setting_changed)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
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
    paths = conf.get("RESOLVERS")
    if isinstance(paths, str) or not isinstance(paths, list | tuple):
        raise ImproperlyConfigured(f"TENANT_REGISTRY['RESOLVERS'] must be a list of dotted paths, got {paths!r}")
    policy = conf.get("UNKNOWN_TENANT")
    view = None if policy in POLICIES else load(policy, "UNKNOWN_TENANT")
    authorize = conf.get("HEADER_AUTHORIZE")
    exempt = conf.get("EXEMPT_PATHS")
    return Options(
        resolvers=tuple(load(path, "RESOLVERS") for path in paths),
        policy="view" if view is not None else policy,
        policy_view=view,
        exempt=(exempt,) if isinstance(exempt, str) else tuple(exempt),
        header_meta=header_meta(str(conf.get("TENANT_HEADER"))),
        authorize=None if authorize is None else load(authorize, "HEADER_AUTHORIZE"),
        path_prefix="/" + str(conf.get("PATH_PREFIX")).strip("/") + "/",
    )


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in (conf.SETTING_NAME, "BASE_DIR"):
        options.cache_clear()
