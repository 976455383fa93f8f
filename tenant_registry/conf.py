"""Settings: DEFAULTS merged over ``settings.TENANT_REGISTRY`` into one frozen, typed object, built
at first use and again after each change of the settings (``signals.settings_changed``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTING_NAME = "TENANT_REGISTRY"

DEFAULTS: dict[str, Any] = {
    "CACHE_ALIAS": "default",
    "CACHE_TTL": 300,
    "NEGATIVE_TTL": 30,
    "KEY_PREFIX": "tenant_config:",
    "CONFIG_DIR": None,  # None means BASE_DIR / "configs"
    "YAML_ONLY_TENANTS": (),
    "SECRET_KEYS": ("api_key", "anon_key", "service_key", "password", "secret", "token", "private_key"),
    "SECRET_ENV": {
        "infrastructure.supabase.anon_key": "SUPABASE_ANON_KEY",
        "infrastructure.supabase.service_key": "SUPABASE_SERVICE_KEY",
        "infrastructure.vapi.api_key": "VAPI_API_KEY",
        "infrastructure.openai.api_key": "OPENAI_API_KEY",
        "email.sendgrid.api_key": "SENDGRID_API_KEY",
        "email.smtp.password": "SMTP_PASSWORD",
    },
    "CACHE_COOLDOWN": 5.0,
    "SOCKET_CONNECT_TIMEOUT": 0.25,
    "SOCKET_TIMEOUT": 0.25,
    "MAX_YAML_BYTES": 1_048_576,
    "MAX_YAML_DEPTH": 32,
    "ENV_ALLOW": (),  # variables database configs may read besides their own and SECRET_ENV's
    "SECRET_DIRS": (),  # directories of files named like variables (Docker, Kubernetes); enables <VAR>_FILE
    "SECRET_STORE": None,  # "database": tenants' own secrets kept encrypted in PostgreSQL (docs/secrets.md)
    "SECRET_KEYS_FERNET": (),  # the store's Fernet keys: the first encrypts, every one decrypts
    "SECRET_KEYS_FERNET_FILE": None,  # or a file of them, one a line
    "SCHEMA": None,  # path to a JSON Schema file every write is validated against
    "L1_ENABLED": True,
    "L1_MAX_ENTRIES": 10_000,
    # TenantMiddleware (docs/middleware.md)
    "RESOLVERS": ("tenant_registry.resolvers.host",),  # dotted paths, tried in order: request -> tenant id | None
    "UNKNOWN_TENANT": "404",  # or "pass" (request.tenant = None), or the dotted path of a view
    "TENANT_HEADER": "X-Tenant-Id",  # read by tenant_registry.resolvers.header only
    "HEADER_AUTHORIZE": None,  # dotted path of (request, tenant_id) -> bool; the header resolver needs it
    "PATH_PREFIX": "/t/",  # tenant_registry.resolvers.path_prefix: /t/<tenant id>/...
    "EXEMPT_PATHS": (),  # path prefixes the middleware leaves alone (health checks): no lookup at all
    "METRICS": None,  # "prometheus", "otel", an Observer subclass's dotted path, or a list of them
}
POSITIVE = ("CACHE_TTL", "NEGATIVE_TTL", "CACHE_COOLDOWN", "SOCKET_CONNECT_TIMEOUT", "SOCKET_TIMEOUT", "L1_MAX_ENTRIES")


@dataclass(frozen=True, slots=True, eq=False)
class RegistrySettings:
    """What the package reads; compared by identity, so a memo can tell the settings changed."""

    CACHE_ALIAS: str
    CACHE_TTL: float
    NEGATIVE_TTL: float
    KEY_PREFIX: str
    CONFIG_DIR: Path
    YAML_ONLY_TENANTS: frozenset[str]
    SECRET_KEYS: frozenset[str]
    SECRET_ENV: dict[str, str]
    CACHE_COOLDOWN: float
    SOCKET_CONNECT_TIMEOUT: float
    SOCKET_TIMEOUT: float
    MAX_YAML_BYTES: int
    MAX_YAML_DEPTH: int
    ENV_ALLOW: Collection[str] | Mapping[str, str]
    SECRET_DIRS: tuple[str | Path, ...]
    SECRET_STORE: object  # None or "database" (E013 names anything else)
    SECRET_KEYS_FERNET: object  # a list of Fernet keys (E014 names anything else)
    SECRET_KEYS_FERNET_FILE: str | Path | None
    SCHEMA: Path | None
    L1_ENABLED: bool
    L1_MAX_ENTRIES: int
    RESOLVERS: object  # TenantMiddleware's: judged by checks/middleware.py (E007) and middleware/options.py
    UNKNOWN_TENANT: object
    TENANT_HEADER: str
    HEADER_AUTHORIZE: object
    PATH_PREFIX: str
    EXEMPT_PATHS: object
    METRICS: object  # validated by checks E010/E011 and when installed


def given() -> object:
    return getattr(settings, SETTING_NAME, {})


def problems(raw: object) -> list[str]:
    """What E001 and E002 report: why ``raw`` cannot be built into the settings."""
    if not isinstance(raw, dict):
        return [f"{SETTING_NAME} must be a dict, got {type(raw).__name__}."]
    merged = {**DEFAULTS, **raw}
    return [
        f"{SETTING_NAME}['{name}'] must be a positive number, got {merged[name]!r}."
        for name in POSITIVE
        if isinstance(merged[name], bool) or not isinstance(merged[name], int | float) or merged[name] <= 0
    ]


def build(raw: object) -> RegistrySettings:
    wrong = problems(raw)
    if wrong:
        raise ImproperlyConfigured(" ".join(wrong) + " (manage.py check says more)")
    assert isinstance(raw, dict)
    merged = {**DEFAULTS, **{k: v for k, v in raw.items() if k in DEFAULTS}}
    directory = merged["CONFIG_DIR"]
    merged["CONFIG_DIR"] = (
        Path(getattr(settings, "BASE_DIR", Path.cwd())) / "configs" if directory is None else Path(directory)
    )
    merged["SCHEMA"] = None if merged["SCHEMA"] is None else Path(merged["SCHEMA"])
    dirs = merged["SECRET_DIRS"]
    merged["SECRET_DIRS"] = (dirs,) if isinstance(dirs, str | Path) else tuple(dirs)
    merged["YAML_ONLY_TENANTS"] = frozenset(merged["YAML_ONLY_TENANTS"])
    merged["SECRET_KEYS"] = frozenset(k.lower() for k in merged["SECRET_KEYS"])
    return RegistrySettings(**{f.name: merged[f.name] for f in fields(RegistrySettings)})


@cache
def get_settings() -> RegistrySettings:
    return build(given())
