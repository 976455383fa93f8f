"""Settings: DEFAULTS merged over ``settings.TENANT_REGISTRY``, read live and cached until settings change."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

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
    "SCHEMA": None,  # path to a JSON Schema file every write is validated against
    "L1_ENABLED": True,
    "L1_MAX_ENTRIES": 10_000,
    "METRICS": None,  # "prometheus", "otel", an Observer subclass's dotted path, or a list of them
}


@cache
def get_settings() -> dict[str, Any]:
    given = getattr(settings, SETTING_NAME, {})
    if not isinstance(given, dict):
        raise ImproperlyConfigured(f"{SETTING_NAME} must be a dict, got {type(given).__name__}")
    merged = {**DEFAULTS, **given}
    if merged["CONFIG_DIR"] is None:
        merged["CONFIG_DIR"] = Path(getattr(settings, "BASE_DIR", Path.cwd())) / "configs"
    merged["CONFIG_DIR"] = Path(merged["CONFIG_DIR"])
    if merged["SCHEMA"] is not None:
        merged["SCHEMA"] = Path(merged["SCHEMA"])
    if isinstance(merged["SECRET_DIRS"], str | Path):
        merged["SECRET_DIRS"] = (merged["SECRET_DIRS"],)
    merged["YAML_ONLY_TENANTS"] = frozenset(merged["YAML_ONLY_TENANTS"])
    merged["SECRET_KEYS"] = frozenset(k.lower() for k in merged["SECRET_KEYS"])
    return merged


def get(name: str) -> Any:
    return get_settings()[name]


@receiver(setting_changed)
def _clear_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting in (SETTING_NAME, "BASE_DIR", "CACHES"):
        get_settings.cache_clear()
