"""A miss's read of a tenant's stored tokens (ciphertext only), on the connection that read its row."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from ..exceptions import RegistryUnavailable
from .keys import enabled

TABLE = "tenant_registry_storedsecret"


def tokens(connection: BaseDatabaseWrapper, tenant_id: str) -> dict[str, str] | None:
    """path -> token of the tenant's stored secrets, or None when the store is off or it has none."""
    if not enabled():
        return None
    sql = f"SELECT path, token FROM {connection.ops.quote_name(TABLE)} WHERE tenant_id = %s ORDER BY path"  # noqa: S608
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, [tenant_id])
            rows = cursor.fetchall()
    except (OperationalError, InterfaceError) as exc:
        raise RegistryUnavailable(f"tenant {tenant_id}: the database is unavailable ({exc})".strip()) from exc
    return dict(rows) or None
