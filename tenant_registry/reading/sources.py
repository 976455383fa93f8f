"""Where a tenant's entry comes from on a miss: its row in the database, else its YAML file, else
a "missing" entry (cached too, for NEGATIVE_TTL)."""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson
from django.db import InterfaceError, OperationalError, connections
from django.db.models import Model

from ..config_files import tenant_files
from ..exceptions import ConfigFileError, RegistryUnavailable
from ..kinds import MISSING, Source, Status
from ..secret_store.tokens import tokens
from . import row_select as rows
from . import stored_entry as entry


class Built(NamedTuple):
    raw: bytes  # the entry as stored
    entry: entry.Entry  # what decoding ``raw`` gives, private to the caller
    missing: bool  # no row and no file: the "missing" entry


def load(model: type[Model], tenant_id: str, using: str) -> Built:
    row = _select(model, tenant_id, using)
    if row is not None:
        status, source, config = row
        if source == Source.YAML:
            return Built(*entry.build(tenant_id, Source.YAML, status, _yaml_doc(tenant_id, required=True) or {}), False)
        if isinstance(config, str | bytes):
            text = config.encode() if isinstance(config, str) else config
            doc = orjson.loads(text)
        else:
            text, doc = None, config
        if not isinstance(doc, dict):
            text, doc = None, {}
        stored = tokens(connections[using], tenant_id)
        return Built(*entry.build(tenant_id, Source.DATABASE, status, doc, text, stored), False)
    doc = _yaml_doc(tenant_id, required=False)
    if doc is None:
        return Built(*entry.build(tenant_id, MISSING, "", {}), True)
    return Built(*entry.build(tenant_id, Source.YAML, Status.ACTIVE, doc), False)


def _yaml_doc(tenant_id: str, *, required: bool) -> dict[str, Any] | None:
    path = tenant_files.tenant_file(tenant_id)
    if path is None:
        if required:
            expected = tenant_files.expected_file(tenant_id)
            raise ConfigFileError(f"tenant {tenant_id}: config_source is yaml but {expected} does not exist")
        return None
    return tenant_files.load_file(path)


def _select(model: type[Model], tenant_id: str, using: str) -> tuple[str, str, Any] | None:
    """The row, read once more on a fresh connection when the open one turns out dead (a
    terminated backend, a restarted server); never inside a transaction."""
    connection = connections[using]
    for attempt in (1, 2):
        was_open = connection.connection is not None
        try:
            row = rows.select(connection, model._meta.db_table, tenant_id)
            break
        except (OperationalError, InterfaceError) as exc:
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            if attempt == 2 or not was_open or connection.connection is not None:
                raise RegistryUnavailable(f"tenant {tenant_id}: the database is unavailable ({exc})".strip()) from exc
    return None if row is None else (row[0], row[1], row[2])
