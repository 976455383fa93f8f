"""System checks. Ids are documented in the README under "System checks"."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DatabaseError, router

from . import conf
from .documents import env_access, schema, secrets
from .exceptions import SchemaFileError, TenantRegistryError
from .ids import env_prefix
from .yaml import tenant_files

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
DJANGO_REDIS = "django.core.cache.backends.redis.RedisCache"
PICKLING = ("django.core.cache.backends.filebased.FileBasedCache", "django.core.cache.backends.db.DatabaseCache")


def _after_e001(check: Callable[..., list[CheckMessage]]) -> Callable[..., list[CheckMessage]]:
    """Checks that read the settings stay quiet while E001 says TENANT_REGISTRY is not a dict."""

    @functools.wraps(check)
    def run(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
        if not isinstance(getattr(settings, conf.SETTING_NAME, {}), dict):
            return []
        return check(app_configs, **kwargs)

    return run


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
    names = (
        "CACHE_TTL",
        "NEGATIVE_TTL",
        "CACHE_COOLDOWN",
        "SOCKET_CONNECT_TIMEOUT",
        "SOCKET_TIMEOUT",
        "L1_MAX_ENTRIES",
    )
    for name in names:
        value = conf.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            messages.append(
                Error(f"TENANT_REGISTRY['{name}'] must be a positive number, got {value!r}.", id="tenant_registry.E002")
            )
    messages.extend(env_allow_messages(conf.get("ENV_ALLOW")))
    return messages


def env_allow_messages(value: object) -> list[CheckMessage]:
    """E005: ENV_ALLOW is a list of names or patterns, or a dict of them to "public" or "masked"."""
    items = list(value.items()) if isinstance(value, dict) else None
    if items is None and isinstance(value, list | tuple | set | frozenset):
        items = [(pattern, "masked") for pattern in value]
    if items is not None and all(isinstance(p, str) and k in ("public", "masked") for p, k in items):
        return []
    return [
        Error(
            f"TENANT_REGISTRY['ENV_ALLOW'] must be a list of variable names or patterns, or a dict of them to "
            f'"public" or "masked"; got {value!r}.',
            id="tenant_registry.E005",
        )
    ]


@register(Tags.caches)
@_after_e001
def check_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    alias = conf.get("CACHE_ALIAS")
    options = settings.CACHES.get(alias)
    if options is None:
        return [
            Error(f"TENANT_REGISTRY['CACHE_ALIAS'] is {alias!r}, which is not in CACHES.", id="tenant_registry.E003")
        ]
    return backend_messages(alias, str(options["BACKEND"]))


def backend_messages(alias: str, backend: str) -> list[CheckMessage]:
    if backend == LOCMEM:
        return [
            Warning(
                f"Cache {alias!r} is LocMem: each process has its own, so a save in one process is not seen "
                "by another until CACHE_TTL expires.",
                hint="Use django_redis.cache.RedisCache in production.",
                id="tenant_registry.W002",
            )
        ]
    if backend == DJANGO_REDIS:
        return [
            Warning(
                f"Cache {alias!r} uses Django's built-in RedisCache. The tenant registry reads and writes that "
                "server with its own JSON store (it never pickles), but the backend pickles every other value "
                "and is slower on the same server.",
                hint="Use django_redis.cache.RedisCache (the backend this app is tested and measured with).",
                id="tenant_registry.W006",
            )
        ]
    if backend in PICKLING:
        return [
            Warning(
                f"Cache {alias!r} ({backend.rsplit('.', 1)[-1]}) pickles what it stores: whoever can write "
                "its files or table can make every process run code when it reads an entry.",
                hint="Use django_redis.cache.RedisCache: this app stores JSON there and never unpickles.",
                id="tenant_registry.W007",
            )
        ]
    return []


@register()
@_after_e001
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


@register()
@_after_e001
def check_schema(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    path = conf.get("SCHEMA")
    return [] if path is None else schema_messages(path)


def schema_messages(path: Path) -> list[CheckMessage]:
    try:
        schema.check_file(path)
    except SchemaFileError as exc:
        return [
            Error(str(exc), hint="Fix the file or set TENANT_REGISTRY['SCHEMA'] to None.", id="tenant_registry.E004")
        ]
    return []


@register()
@_after_e001
def check_yaml_files(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for tenant_id in tenant_files.yaml_tenant_ids():
        path = tenant_files.expected_file(tenant_id)
        try:
            doc = tenant_files.load_file(path)
        except TenantRegistryError as exc:
            messages.append(unreadable_message(tenant_id, exc))
            continue
        messages.extend(secret_messages(tenant_id, str(path), doc))
        if tenant_id not in conf.get("YAML_ONLY_TENANTS"):
            messages.extend(reference_messages(tenant_id, str(path), doc))
    return messages


def unreadable_message(tenant_id: str, exc: TenantRegistryError) -> CheckMessage:
    """W009: a tenant file that get_config and import_tenants refuse."""
    return Warning(
        f"tenant {tenant_id}: {exc}",
        hint="Fix the file: the tenant's config cannot be read from it, and import_tenants refuses it.",
        id="tenant_registry.W009",
    )


def reference_messages(tenant_id: str, where: str, config: dict[str, Any]) -> list[CheckMessage]:
    """W008: a file that import_tenants would write to the database, with references it would refuse."""
    owners = {env_prefix(other): other for other in tenant_files.yaml_tenant_ids()}
    problems = env_access.reference_problems(
        tenant_id, config, lambda prefixes: {p: owners[p] for p in prefixes if p in owners}
    )
    if not problems:
        return []
    return [
        Warning(
            f"tenant {tenant_id} ({where}): references this tenant may not read: {'; '.join(problems)}.",
            hint="Use the tenant's own prefix or a SECRET_ENV variable, or list the name in ENV_ALLOW.",
            id="tenant_registry.W008",
        )
    ]


@register(Tags.database)
@_after_e001
def check_database_secrets(
    app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Runs only when Django passes databases (``check --database``, ``migrate``); quiet when the
    table cannot be read."""
    tenant = apps.get_model("tenant_registry", "Tenant")
    using = router.db_for_read(tenant)
    if not databases or using not in databases:
        return []
    try:
        query = tenant.objects.using(using).filter(status="active", config_source="database")
        rows = list(query.values_list("pk", "config"))
    except DatabaseError:
        return []
    return [m for pk, config in rows if isinstance(config, dict) for m in secret_messages(pk, "database", config)]


def secret_messages(tenant_id: str, where: str, config: dict[str, Any]) -> list[CheckMessage]:
    unset = secrets.unset_variables(tenant_id, config)
    if not unset:
        return []
    return [
        Warning(
            f"tenant {tenant_id} ({where}): secret variables not set: {'; '.join(unset)}.",
            hint="Set them in the environment of every process that serves this tenant, or as files "
            "(<VAR>_FILE, or a file named like the variable in SECRET_DIRS).",
            id="tenant_registry.W005",
        )
    ]
