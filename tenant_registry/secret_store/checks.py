"""System checks on the encrypted store, registered by ``checks.register_checks``. Ids are documented in the
README under "System checks"."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.checks import CheckMessage, Error, Warning
from django.db import DatabaseError, router

from .. import conf
from ..checks.guards import after_e001
from ..exceptions import SecretKeysError
from .keys import FILE, LIST, STORE, current, named
from .model import StoredSecret


@after_e001
def check_secret_store(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E013: SECRET_STORE is neither None nor "database"; E014: the store is on and its keys are
    unusable (or cryptography is missing); W018: keys are given while the store is off."""
    store = conf.get_settings().SECRET_STORE
    if store not in (None, "database"):
        return [Error(f"{named(STORE)} must be None or 'database', got {store!r}.", id="tenant_registry.E013")]
    if store is None:
        given = [named(name) for name in (LIST, FILE) if getattr(conf.get_settings(), name)]
        if not given:
            return []
        return [
            Warning(
                f"{' and '.join(given)} set, but {named(STORE)} is off: no secret is stored or read.",
                hint=f"Set {named(STORE)} = 'database' to use them, or remove them.",
                id="tenant_registry.W018",
            )
        ]
    try:
        current()
    except SecretKeysError as exc:
        return [
            Error(
                f"{exc}.",
                hint="Reads of tenants with stored secrets fail until it is fixed.",
                id="tenant_registry.E014",
            )
        ]
    return []


@after_e001
def check_stored_rows(
    app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """With ``check --database``: W018, stored secrets while the store is off (they are not read);
    W019, stored secrets the first key did not encrypt (rotate before removing an old key)."""
    store = conf.get_settings().SECRET_STORE
    if store not in (None, "database"):
        return []
    using = router.db_for_read(StoredSecret)
    if not databases or using not in databases:
        return []
    try:
        keys = None if store is None else current()
        rows = StoredSecret.objects.using(using)
        count = rows.count() if keys is None else rows.exclude(key_id=keys.first_id).count()
    except (DatabaseError, SecretKeysError):
        return []  # E014 names a key problem; a table not migrated yet has nothing to say
    if not count:
        return []
    if keys is None:
        return [
            Warning(
                f"{count} stored secrets are in the database but {named(STORE)} is off: they are not read.",
                hint=f"Set {named(STORE)} = 'database', or remove them.",
                id="tenant_registry.W018",
            )
        ]
    return [
        Warning(
            f"{count} stored secrets are not encrypted with the first key of {named(keys.setting)}.",
            hint="Run manage.py rotate_secret_keys before removing an older key from the list.",
            id="tenant_registry.W019",
        )
    ]
