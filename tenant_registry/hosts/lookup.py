"""The tenant of one domain name, through the same tiers, guard and invalidation as configs.

An entry is the tenant id's bytes, or empty bytes for "no such domain" (kept for NEGATIVE_TTL).
Its key is ``host:<name>`` in the tenants' key scheme, so a Domain save invalidates it after commit
in every process exactly as a tenant save invalidates a config, and ``invalidate_all`` drops it.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.db import InterfaceError, OperationalError, connections, router

from .. import cache, conf
from ..cache import LocalCache
from ..cache.stores.base import HOST_PREFIX
from ..exceptions import RegistryUnavailable
from ..ids import ID_RE

logger = logging.getLogger("tenant_registry")
_CORRUPT = object()


class NeedsIO(Exception):
    """The answer is not in this process's memory: finding it would block (event loops go to a thread)."""


def key(name: str) -> str:
    return HOST_PREFIX + name


def local(name: str) -> str | None:
    """From the in-process tier only; NeedsIO when it does not hold a trusted entry."""
    tier = cache.local_tier()
    if tier is not None and not cache.any_written():
        kept = tier.kept(key(name))
        if kept is not None:
            found = _decode(kept.raw)
            if found is not _CORRUPT:
                return found  # type: ignore[return-value]
    raise NeedsIO(name)


def find(name: str) -> str | None:
    """The tenant id ``name`` belongs to, or None."""
    try:
        return local(name)
    except NeedsIO:
        return _load(name)


def _load(name: str) -> str | None:
    k = key(name)
    model = apps.get_model("tenant_registry", "Domain")
    using = router.db_for_write(model)  # the primary, as for configs: a replica may lag a save
    if cache.written_in_transaction(k, using):
        return _select(name, using)
    tier = cache.local_tier()
    seen = cache.clock()  # before anything is fetched: LocalCache.put refuses what predates a change
    raw = cache.get(k)
    if raw is not None:
        found = _decode(raw)
        if found is not _CORRUPT:
            _keep(tier, k, raw, seen, found is None)
            return found  # type: ignore[return-value]
        logger.warning("host %s: ignoring a corrupt or foreign cache entry; it will be replaced", name)
        cache.invalidate([k])
        seen = cache.clock()
    guard = cache.guard(k)  # read before the row: a fill is refused if a save came in between
    tenant_id = _select(name, using)
    raw = (tenant_id or "").encode()
    if cache.fill_is_safe(connections[using]):
        if guard is not None:
            cache.fill_later(k, guard, raw, _ttl(tenant_id is None), None)
        _keep(tier, k, raw, seen, tenant_id is None)
    return tenant_id


def _keep(tier: LocalCache | None, k: str, raw: bytes, seen: int, missing: bool) -> None:
    if tier is not None:
        tier.put(k, raw, seen, _ttl(missing))


def _ttl(missing: bool) -> float:
    return float(conf.get_settings().NEGATIVE_TTL if missing else conf.get_settings().CACHE_TTL)


def _decode(raw: bytes) -> str | object | None:
    if not raw:
        return None
    text = raw.decode("ascii", "replace")
    return text if ID_RE.fullmatch(text) else _CORRUPT


def _select(name: str, using: str) -> str | None:
    model = apps.get_model("tenant_registry", "Domain")
    try:
        found = list(model.objects.using(using).filter(domain=name).values_list("tenant_id", flat=True)[:1])
    except (OperationalError, InterfaceError) as exc:
        raise RegistryUnavailable(f"host {name}: the database is unavailable ({exc})".strip()) from exc
    return str(found[0]) if found else None
