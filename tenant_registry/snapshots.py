"""Whether a row just read may be written to the shared cache.

A fill is guarded by tokens read before the row; that only proves the row is not older than
the last invalidation if the row's snapshot was taken after the tokens were read. Outside a
transaction, and under READ COMMITTED, every statement takes a new snapshot. Under REPEATABLE
READ or SERIALIZABLE (or a backend whose level is unknown) the snapshot may predate a commit
whose invalidation the reader already saw, so such a reader answers from its snapshot and
does not fill.
"""

from __future__ import annotations

from typing import Any


def fill_is_safe(connection: Any) -> bool:
    if not connection.in_atomic_block:
        return True
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import IsolationLevel  # psycopg 3 or 2, as installed

    return getattr(connection, "isolation_level", None) in (
        IsolationLevel.READ_UNCOMMITTED,
        IsolationLevel.READ_COMMITTED,
    )
