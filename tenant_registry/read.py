"""The read path of ``get_config``: cache, then database, then YAML, in one pass."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from django.db import InterfaceError, OperationalError, connections, router
from django.db.models import Model

from . import cache, conf, entry, yaml_source
from .exceptions import ConfigFileError, RegistryUnavailable
from .invalidation import written_in_transaction
from .singleflight import SingleFlight
from .snapshots import fill_is_safe

logger = logging.getLogger("tenant_registry")
_flights: SingleFlight[tuple[bytes, bool]] = SingleFlight()
MISSING = "missing"


def get_config(model: type[Model], tenant_id: str) -> dict[str, Any] | None:
    """``tenant_id`` must already be validated."""
    if tenant_id in conf.get("YAML_ONLY_TENANTS"):
        return from_yaml_only(tenant_id)
    using = router.db_for_read(model)
    if written_in_transaction(tenant_id, using):
        return _finish(tenant_id, load(model, tenant_id, using)[0])
    raw = cache.get(tenant_id)
    if raw is not None:
        found = entry.decode(tenant_id, raw)
        if found is not None:
            return _resolved(found)
        logger.warning("tenant %s: ignoring a corrupt or foreign cache entry; it will be replaced", tenant_id)
        cache.invalidate([tenant_id])
    if not fill_is_safe(connections[using]):  # an old snapshot: neither cached nor shared
        return _finish(tenant_id, load(model, tenant_id, using)[0])
    return _finish(tenant_id, _shared_load(model, tenant_id, using))


def from_yaml_only(tenant_id: str) -> dict[str, Any] | None:
    path = yaml_source.tenant_file(tenant_id)
    if path is None:
        return None
    raw = yaml_source.load_built(path, lambda doc: entry.encode(tenant_id, "yaml", "active", doc))
    return _finish(tenant_id, raw, where=str(path))


def _finish(tenant_id: str, raw: bytes, where: str | None = None) -> dict[str, Any] | None:
    found = entry.decode(tenant_id, raw)
    return None if found is None else _resolved(found, where)


def _resolved(found: dict[str, Any], where: str | None = None) -> dict[str, Any] | None:
    if found["src"] == MISSING:
        return None
    return entry.resolve(found, where or f"tenant {found['t']}")


def _shared_load(model: type[Model], tenant_id: str, using: str) -> bytes:
    """One database read for the concurrent misses of a tenant. A caller that joined a read
    which may predate an invalidation (so perhaps a commit this caller saw return) reads again."""
    led = False

    def lead() -> tuple[bytes, bool]:
        nonlocal led
        led = True
        return _load_and_fill(model, tenant_id, using)

    raw, current = _flights.do(tenant_id, lead)
    return raw if current or led else load(model, tenant_id, using)[0]


def _load_and_fill(model: type[Model], tenant_id: str, using: str) -> tuple[bytes, bool]:
    """The entry, and whether no invalidation (in Redis, or by this process) came while it was read."""
    made = cache.invalidations()
    tokens = cache.tokens(tenant_id)
    raw, missing = load(model, tenant_id, using)
    current = cache.invalidations() == made
    if tokens is not None:
        ttl = conf.get("NEGATIVE_TTL") if missing else conf.get("CACHE_TTL")
        filled = cache.fill(tenant_id, tokens, raw, float(ttl))
        current = current if filled is None else filled and current
    return raw, current


def load(model: type[Model], tenant_id: str, using: str) -> tuple[bytes, bool]:
    """The entry for a tenant from the database, else its YAML file, else a "missing" entry
    (and whether it is the missing one)."""
    row = _select(model, tenant_id, using)
    if row is not None:
        status, source, config = row
        if source == "yaml":
            return entry.encode(tenant_id, "yaml", status, _yaml_doc(tenant_id, required=True) or {}), False
        doc = orjson.loads(config) if isinstance(config, str | bytes) else config
        return entry.encode(tenant_id, "database", status, doc if isinstance(doc, dict) else {}), False
    doc = _yaml_doc(tenant_id, required=False)
    if doc is None:
        return entry.encode(tenant_id, MISSING, "", {}), True
    return entry.encode(tenant_id, "yaml", "active", doc), False


def _yaml_doc(tenant_id: str, *, required: bool) -> dict[str, Any] | None:
    path = yaml_source.tenant_file(tenant_id)
    if path is None:
        if required:
            expected = yaml_source.config_dir() / f"{tenant_id}{yaml_source.SUFFIX}"
            raise ConfigFileError(f"tenant {tenant_id}: config_source is yaml but {expected} does not exist")
        return None
    return yaml_source.load_file(path)


def _select(model: type[Model], tenant_id: str, using: str) -> tuple[str, str, Any] | None:
    """The row, read once more on a fresh connection when the open one turns out dead (a
    terminated backend, a restarted server); never inside a transaction."""
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"SELECT status, config_source, config FROM {table} WHERE id = %s"  # noqa: S608 - table name from model meta
    for attempt in (1, 2):
        was_open = connection.connection is not None
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, [tenant_id])
                row = cursor.fetchone()
            break
        except (OperationalError, InterfaceError) as exc:
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            if attempt == 2 or not was_open or connection.connection is not None:
                raise RegistryUnavailable(f"tenant {tenant_id}: the database is unavailable ({exc})".strip()) from exc
    return None if row is None else (row[0], row[1], row[2])
