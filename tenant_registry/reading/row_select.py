"""A miss's read of a tenant's row: one SELECT by id, prepared once per PostgreSQL session.

PostgreSQL parses and plans a plain statement on every call, about a fifth of a miss's database
time. Outside a transaction the SELECT is therefore a prepared statement of the session: the first
call sends ``PREPARE ...; EXECUTE ...`` in one query, later ones ``EXECUTE``. A session that lost
it (``DISCARD ALL``, a transaction-mode pooler handing us another server) prepares again; one
where that keeps failing reads with the plain SELECT from then on. Inside a transaction, where a
failed statement would abort the caller's work, and on other databases, the plain SELECT is used.
With Django's ``server_side_binding`` option, psycopg prepares the parameterised SELECT itself.

The validated id is written into the statement: the parameter's adaptation costs more than the
rest of the client's work, and a client-side-binding cursor inlines it anyway.
"""

from __future__ import annotations

import zlib
from typing import Any
from weakref import WeakKeyDictionary

from django.db import ProgrammingError
from django.db.backends.base.base import BaseDatabaseWrapper

from ..ids import validate_id

Row = tuple[Any, ...]
LOST, EXISTS = "26000", "42P05"  # SQLSTATE: no such prepared statement / it exists already
_sessions: WeakKeyDictionary[Any, bool] = WeakKeyDictionary()  # session -> its statement is prepared


def select(connection: BaseDatabaseWrapper, table: str, tenant_id: str) -> Row | None:
    """The row's status, config source and config text, or None."""
    tenant_id, query = validate_id(tenant_id), _query(connection, table)
    if connection.vendor != "postgresql":
        return _one(connection, f"{query}'{tenant_id}'")
    if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
        return _one(connection, f"{query}%s", [tenant_id])
    return _prepared(connection, query, tenant_id)


def _prepared(connection: BaseDatabaseWrapper, query: str, tenant_id: str) -> Row | None:
    connection.ensure_connection()
    session = connection.connection
    if connection.in_atomic_block or not connection.get_autocommit() or _sessions.get(session) is False:
        return _one(connection, f"{query}'{tenant_id}'")
    name = f"tenant_registry_row_{zlib.crc32(query.encode()):08x}"
    execute = f"EXECUTE {name}('{tenant_id}')"
    prepared = _sessions.get(session)
    for _ in range(2):
        try:
            if prepared:
                found = _one(connection, execute)
            else:
                found = _one(connection, f"PREPARE {name}(text) AS {query}$1; {execute}", later=True)
        except ProgrammingError as exc:
            state = getattr(exc.__cause__, "sqlstate", None)
            if state not in (LOST, EXISTS):
                raise
            prepared = state == EXISTS
            continue
        _sessions[session] = True
        return found
    _sessions[session] = False  # a session that keeps losing it: the plain SELECT from now on
    return _one(connection, f"{query}'{tenant_id}'")


def _one(
    connection: BaseDatabaseWrapper, sql: str, params: list[str] | None = None, *, later: bool = False
) -> Row | None:
    """The one row of ``sql`` (of its second statement when ``later``)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if later:
            cursor.nextset()
        row: Row | None = cursor.fetchone()
    return row


def _query(connection: BaseDatabaseWrapper, table: str) -> str:
    """The SELECT up to the id, made once per database vendor and table."""
    key = (connection.vendor, table)
    found = _statements.get(key)
    if found is None:
        config = "config::text" if connection.vendor == "postgresql" else "config"  # text: orjson decodes it faster
        found = _statements[key] = (
            f"SELECT status, config_source, {config} FROM {connection.ops.quote_name(table)} WHERE id = "  # noqa: S608
        )
    return found


_statements: dict[tuple[str, str], str] = {}
