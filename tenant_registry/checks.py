"""System checks. Ids are documented in the README under "System checks"."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from . import conf

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


@register(Tags.compatibility)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    raw = getattr(settings, conf.SETTING_NAME, {})
    if not isinstance(raw, dict):
        return [Error("TENANT_REGISTRY must be a dict.", id="tenant_registry.E001")]
    messages: list[CheckMessage] = []
    unknown = sorted(set(raw) - set(conf.DEFAULTS))
    if unknown:
        messages.append(
            Warning(
                f"Unknown TENANT_REGISTRY keys: {', '.join(unknown)}.",
                hint=f"Known keys: {', '.join(sorted(conf.DEFAULTS))}.",
                id="tenant_registry.W001",
            )
        )
    for name in ("CACHE_TTL", "NEGATIVE_TTL", "CACHE_COOLDOWN", "SOCKET_CONNECT_TIMEOUT", "SOCKET_TIMEOUT"):
        value = conf.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            messages.append(
                Error(f"TENANT_REGISTRY['{name}'] must be a positive number, got {value!r}.", id="tenant_registry.E002")
            )
    return messages


@register(Tags.caches)
def check_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    alias = conf.get("CACHE_ALIAS")
    options = settings.CACHES.get(alias)
    if options is None:
        return [
            Error(f"TENANT_REGISTRY['CACHE_ALIAS'] is {alias!r}, which is not in CACHES.", id="tenant_registry.E003")
        ]
    if options["BACKEND"] == LOCMEM:
        return [
            Warning(
                f"Cache {alias!r} is LocMem: each process has its own, so a save in one process is not seen "
                "by another until CACHE_TTL expires.",
                hint="Use django_redis.cache.RedisCache in production.",
                id="tenant_registry.W002",
            )
        ]
    return []


@register()
def check_config_dir(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    directory = conf.get("CONFIG_DIR")
    if not directory.is_dir():
        return [Warning(f"CONFIG_DIR {directory} does not exist.", id="tenant_registry.W003")]
    missing = sorted(t for t in conf.get("YAML_ONLY_TENANTS") if not (directory / f"{t}.yaml").is_file())
    if missing:
        return [
            Warning(
                f"YAML-only tenants without a file in {directory}: {', '.join(missing)}.",
                hint="Add the files or remove the ids from YAML_ONLY_TENANTS.",
                id="tenant_registry.W004",
            )
        ]
    return []
