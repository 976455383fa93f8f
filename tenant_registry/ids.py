"""Tenant id rules, and the environment-variable prefix an id maps to."""

from __future__ import annotations

import re

from django.db.models import Value
from django.db.models.functions import Replace, Upper

from .exceptions import InvalidTenantId

ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
ID_HELP = "1-64 characters of lowercase letters, digits, '-' and '_', starting with a letter or digit"
_NON_ENV = re.compile(r"[^A-Z0-9]")


def validate_id(tenant_id: object) -> str:
    if isinstance(tenant_id, str) and ID_RE.fullmatch(tenant_id):
        return tenant_id
    raise InvalidTenantId(f"invalid tenant id {tenant_id!r}: {ID_HELP}")


def env_prefix_sql() -> Upper:
    """:func:`env_prefix` in SQL, without the trailing ``_`` (ids hold only ``-`` besides letters,
    digits and ``_``): the unique constraint and the prefix lookups share it."""
    return Upper(Replace("id", Value("-"), Value("_")))


def env_prefix(tenant_id: str) -> str:
    """``tn-a1b2c3`` -> ``TN_A1B2C3_``: the prefix of a tenant's own environment variables."""
    return _NON_ENV.sub("_", tenant_id.upper()) + "_"
