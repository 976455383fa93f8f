"""Invalidation after commit (the save returns once it is done everywhere), and the writer's view
of its own uncommitted writes."""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from django.db import connections, transaction

from . import tiers
from .changes import Changes

_ATTR = "_tenant_registry_written"
# The connections that hold uncommitted writes of tenants. Usually none: then a read need not look
# its connection up (a thread-local lookup that costs an L1 hit about a tenth of its time).
_holders: weakref.WeakSet[Any] = weakref.WeakSet()


def invalidate_on_commit(tenant_ids: Iterable[str], using: str, changes: Changes | None = None) -> None:
    """Invalidate once the surrounding transaction commits (at once in autocommit).

    Until then the writing connection reads these tenants past the cache, so a writer
    sees its own write while other readers keep the committed version.
    """
    ids = set(tenant_ids)
    if not ids:
        return
    connection = connections[using]
    if connection.in_atomic_block:
        written: set[str] = getattr(connection, _ATTR, set())
        written.update(ids)
        setattr(connection, _ATTR, written)
        _holders.add(connection)
    transaction.on_commit(lambda: _committed(ids, using, changes), using=using)


def _committed(ids: set[str], using: str, changes: Changes | None) -> None:
    tiers.invalidate(ids, changes)
    connection = connections[using]
    if getattr(connection, _ATTR, None) and not connection.in_atomic_block:
        _forget(connection)


def any_written() -> bool:
    """Whether any connection holds uncommitted writes of tenants (usually not: then nothing is looked up)."""
    return bool(_holders)


def written_in_transaction(tenant_id: str, using: str) -> bool:
    if not _holders:
        return False
    connection = connections[using]
    written: set[str] | None = getattr(connection, _ATTR, None)
    if not written:
        return False
    if not connection.in_atomic_block:
        _forget(connection)  # the transaction ended (a rollback leaves no on_commit to clear it)
        return False
    return tenant_id in written


def _forget(connection: Any) -> None:
    getattr(connection, _ATTR).clear()
    _holders.discard(connection)
