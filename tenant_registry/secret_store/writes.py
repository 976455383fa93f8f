"""Set, replace and remove a tenant's stored secret; every process reads the change once the commit returns.

Each write locks the tenant's row, writes the token, and invalidates the tenant on commit the way a
save does (``cache.invalidate_on_commit``), so the next read anywhere builds its entry with the new
tokens. Nothing here returns, logs or raises the value.
"""

from __future__ import annotations

from django.db import router, transaction

from .. import cache
from ..exceptions import InvalidConfig, StoredSecretError
from ..ids import validate_id
from ..models import Tenant
from .keys import STORE, enabled, named
from .model import StoredSecret
from .paths import check_path
from .sealing import seal

MAX_VALUE = 65_536


def set_secret(tenant_id: str, path: str, value: str) -> StoredSecret:
    """Store a new secret at ``path``; refused when one is there already (:func:`replace_secret`)."""
    return _write(tenant_id, path, value, replace=False)


def replace_secret(tenant_id: str, path: str, value: str) -> StoredSecret:
    """Replace the secret at ``path``; refused when there is none."""
    return _write(tenant_id, path, value, replace=True)


def remove_secret(tenant_id: str, path: str) -> None:
    """Remove the secret at ``path``; refused when there is none."""
    tenant_id, path = _checked(tenant_id, path)
    using = router.db_for_write(StoredSecret)
    with transaction.atomic(using=using):
        tenant = _tenant(tenant_id, using)
        deleted, _ = StoredSecret.objects.using(using).filter(tenant=tenant, path=path).delete()
        if not deleted:
            raise InvalidConfig(f"tenant {tenant_id}: no stored secret at {path} to remove")
        cache.invalidate_on_commit([tenant_id], using)


def stored_paths(tenant_id: str) -> list[str]:
    """The paths of a tenant's stored secrets (empty when the store is off)."""
    if not enabled():
        return []
    return list(StoredSecret.objects.filter(tenant_id=tenant_id).order_by("path").values_list("path", flat=True))


def _write(tenant_id: str, path: str, value: str, *, replace: bool) -> StoredSecret:
    tenant_id, path = _checked(tenant_id, path)
    if not isinstance(value, str) or not value or len(value) > MAX_VALUE:
        raise InvalidConfig(
            f"tenant {tenant_id}: the stored secret at {path} must be text of 1 to {MAX_VALUE} characters"
        )
    using = router.db_for_write(StoredSecret)
    with transaction.atomic(using=using):
        tenant = _tenant(tenant_id, using)
        row = StoredSecret.objects.using(using).select_for_update().filter(tenant=tenant, path=path).first()
        if replace and row is None:
            raise InvalidConfig(f"tenant {tenant_id}: no stored secret at {path} to replace (set it instead)")
        if not replace and row is not None:
            raise InvalidConfig(f"tenant {tenant_id}: a stored secret at {path} exists already (replace it instead)")
        row = row or StoredSecret(tenant=tenant, path=path)
        row.token, row.key_id = seal(tenant_id, path, value)
        row.save(using=using)
        cache.invalidate_on_commit([tenant_id], using)
    return row


def _checked(tenant_id: str, path: str) -> tuple[str, str]:
    tenant_id = validate_id(tenant_id)
    if not enabled():
        raise StoredSecretError(f"tenant {tenant_id}: the encrypted store is off (set {named(STORE)} = 'database')")
    return tenant_id, check_path(tenant_id, path)


def _tenant(tenant_id: str, using: str) -> Tenant:
    tenant: Tenant | None = (
        Tenant.objects.using(using).select_for_update().filter(pk=tenant_id, config_source="database").first()
    )
    if tenant is None:
        raise InvalidConfig(
            f"tenant {tenant_id}: no database tenant of this id (stored secrets belong to database tenants)"
        )
    return tenant
