"""Checks of the settings: TENANT_REGISTRY itself, the cache alias, CONFIG_DIR and SCHEMA. Ids are
documented in the README under "System checks"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from .. import conf
from ..documents import schema
from ..exceptions import SchemaFileError
from .guards import after_e001

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
DJANGO_REDIS = "django.core.cache.backends.redis.RedisCache"
PICKLING = ("django.core.cache.backends.filebased.FileBasedCache", "django.core.cache.backends.db.DatabaseCache")


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E001 and E002: what keeps the settings object from being built; W001: keys it does not know."""
    raw = conf.given()
    if not isinstance(raw, dict):
        return [Error(problem, id="tenant_registry.E001") for problem in conf.problems(raw)]
    messages: list[CheckMessage] = [Error(problem, id="tenant_registry.E002") for problem in conf.problems(raw)]
    unknown = sorted(set(raw) - set(conf.DEFAULTS))
    if unknown:
        messages.append(
            Warning(
                f"Unknown TENANT_REGISTRY keys: {', '.join(unknown)}.",
                hint=f"Known keys: {', '.join(sorted(conf.DEFAULTS))}.",
                id="tenant_registry.W001",
            )
        )
    messages.extend(env_allow_messages({**conf.DEFAULTS, **raw}["ENV_ALLOW"]))
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


@after_e001
def check_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    alias = conf.get_settings().CACHE_ALIAS
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


@after_e001
def check_config_dir(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    directory = conf.get_settings().CONFIG_DIR
    if not directory.is_dir():
        return [Warning(f"CONFIG_DIR {directory} does not exist.", id="tenant_registry.W003")]
    missing = sorted(t for t in conf.get_settings().YAML_ONLY_TENANTS if not (directory / f"{t}.yaml").is_file())
    if missing:
        return [
            Warning(
                f"YAML-only tenants without a file in {directory}: {', '.join(missing)}.",
                hint="Add the files or remove the ids from YAML_ONLY_TENANTS.",
                id="tenant_registry.W004",
            )
        ]
    return []


@after_e001
def check_schema(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    path = conf.get_settings().SCHEMA
    return [] if path is None else schema_messages(path)


def schema_messages(path: Path) -> list[CheckMessage]:
    try:
        schema.check_file(path)
    except SchemaFileError as exc:
        return [
            Error(str(exc), hint="Fix the file or set TENANT_REGISTRY['SCHEMA'] to None.", id="tenant_registry.E004")
        ]
    return []
