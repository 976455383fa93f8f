"""Errors raised by the tenant registry; each names the tenant, file or key path involved."""

from __future__ import annotations


class TenantRegistryError(Exception):
    """Base class for every error this app raises."""


class InvalidTenantId(TenantRegistryError, ValueError):
    """A tenant id that does not match the id rules."""


class InvalidConfig(TenantRegistryError, ValueError):
    """A config document that cannot be stored (not an object, not JSON, a bad key)."""


class TenantConflict(TenantRegistryError, ValueError):
    """A write that would clash with another tenant or with a concurrent edit."""


class YamlOnlyTenant(TenantRegistryError, ValueError):
    """A write to a tenant whose config lives only in YAML."""


class ConfigFileError(TenantRegistryError):
    """A YAML tenant file that cannot be read, parsed or interpolated."""


class InterpolationError(TenantRegistryError, ValueError):
    """A `${VAR:?message}` whose variable is missing, or a malformed expression."""


class RegistryUnavailable(TenantRegistryError):
    """The database cannot be reached and the cache holds no answer."""


class SchemaFileError(TenantRegistryError):
    """TENANT_REGISTRY["SCHEMA"] names a file that is missing, not JSON, or not a valid JSON Schema."""


class SecretFileError(InterpolationError):
    """A variable's file (``<VAR>_FILE`` or SECRET_DIRS) that is missing, unreadable or outside SECRET_DIRS."""


class StoredSecretError(TenantRegistryError):
    """A stored secret (SECRET_STORE) that cannot be used: not decryptable, or sealed for another tenant or path."""


class SecretKeysError(StoredSecretError):
    """The encrypted store's keys (SECRET_KEYS_FERNET, SECRET_KEYS_FERNET_FILE) are missing or unusable."""
