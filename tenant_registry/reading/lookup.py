"""``get_config``: the in-process tier, the shared tier, then the sources, in one pass.

Four ideas carry it (docs/design.md): the **tiers** (an in-process hit under a live lease, else
one read of the shared store), the **guard** (a fill lands only if no invalidation came since
the guard and the process clock were read), **coalescing** (concurrent misses of a tenant make
one load) and the **sources** (the row, else the YAML file).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model

from .. import cache, conf, observer, overrides
from ..cache import Guard, LocalCache
from ..config_files import tenant_files
from ..documents.environ import Reads
from ..kinds import MISSING, Source, Status
from . import sources
from . import stored_entry as entry
from .stored_entry import Entry

logger = logging.getLogger("tenant_registry")


@dataclass(frozen=True, slots=True)
class Loaded:
    """What one load of a tenant gives the callers that shared it."""

    raw: bytes  # the entry's bytes
    entry: Entry | None  # their decoded form, private to the leader
    clock: int  # the process clock when the load began
    guard: Guard | None  # the guard it was read under (None: the cache did not answer)
    refused: bool  # its fill was refused: an invalidation came while it was read


_flights: cache.SingleFlight[Loaded] = cache.SingleFlight()
_overrides = overrides.active  # the same dict, changed in place: empty unless a test overrides a tenant


def get_config(model: type[Model], tenant_id: str) -> dict[str, Any] | None:
    """``tenant_id`` must already be validated."""
    if _overrides and tenant_id in _overrides:
        return overrides.answer(tenant_id, lambda: _past_every_tier(model, tenant_id))
    if tenant_id in conf.get_settings().YAML_ONLY_TENANTS:
        return from_yaml_only(tenant_id)
    using = router.db_for_write(model)  # the primary: a replica may still hold a row older than the last save
    if cache.written_in_transaction(tenant_id, using):  # the writer sees its own uncommitted write
        return _finish(tenant_id, sources.load(model, tenant_id, using).raw)
    tier = cache.local_tier()
    hint = None
    if tier is not None:
        kept = tier.kept(tenant_id)
        if kept is not None:  # bytes this process built or checked before keeping them
            return entry.answer(kept, _resolved)
        hint = tier.take_hint(tenant_id)
    seen = cache.clock()  # before anything is fetched: see LocalCache.put
    if hint is None and not _claim_first(tier):
        raw = cache.get(tenant_id)
        if raw is not None:
            found = entry.decode(tenant_id, raw)
            if found is not None:
                observer.current.shared_hit()
                _keep(tier, tenant_id, raw, seen, found)
                return _resolved(found)
            _drop_corrupt(tenant_id)
    if not cache.fill_is_safe(connections[using]):  # an old snapshot: neither cached nor shared
        return _finish(tenant_id, sources.load(model, tenant_id, using).raw)
    raw, found = _shared_load(model, tenant_id, using, hint, tier)
    if found is None:
        return None
    _keep(tier, tenant_id, raw, seen, found)
    return _resolved(found)


def _claim_first(tier: LocalCache | None) -> bool:
    """A miss of a live in-process tier is rare enough to read the shared store through the
    claim, which also takes the load lock when the entry is missing: one round trip fewer."""
    return tier is not None and tier.live


def _keep(tier: LocalCache | None, tenant_id: str, raw: bytes, seen: int, found: Entry) -> None:
    if tier is not None:
        tier.put(tenant_id, raw, seen, _ttl(found.source == MISSING))


def from_local(model: type[Model], tenant_id: str) -> tuple[dict[str, Any] | None] | None:
    """``get_config``'s answer as a 1-tuple from this process's L1, else None; no I/O (event loops)."""
    if _overrides and tenant_id in _overrides:
        return overrides.without_io(tenant_id)
    tier = None if tenant_id in conf.get_settings().YAML_ONLY_TENANTS else cache.local_tier()
    if tier is None or cache.written_in_transaction(tenant_id, router.db_for_write(model)):
        return None
    kept = tier.kept(tenant_id)
    return None if kept is None else (entry.answer(kept, _resolved),)


def _past_every_tier(model: type[Model], tenant_id: str) -> dict[str, Any] | None:
    """The config as its sources hold it: the file of a YAML-only tenant, else the row (else the file)."""
    if tenant_id in conf.get_settings().YAML_ONLY_TENANTS:
        return from_yaml_only(tenant_id)
    return _finish(tenant_id, sources.load(model, tenant_id, router.db_for_write(model)).raw)


def answer_of(kept: entry.Holder) -> dict[str, Any] | None:
    """``get_config``'s answer from an entry this process's tier kept, with no I/O (a request's
    lazy config: the entry its middleware found)."""
    return entry.answer(kept, _resolved)


def _drop_corrupt(tenant_id: str) -> None:
    logger.warning("tenant %s: ignoring a corrupt or foreign cache entry; it will be replaced", tenant_id)
    cache.invalidate([tenant_id])


def from_yaml_only(tenant_id: str) -> dict[str, Any] | None:
    path = tenant_files.tenant_file(tenant_id)
    if path is None:
        return None
    raw = tenant_files.load_built(path, lambda doc: entry.encode(tenant_id, Source.YAML, Status.ACTIVE, doc))
    return _finish(tenant_id, raw, where=str(path))


def load(model: type[Model], tenant_id: str, using: str) -> tuple[bytes, bool]:
    """The entry of a tenant from its sources (and whether it is the "missing" one), past every cache."""
    built = sources.load(model, tenant_id, using)
    return built.raw, built.missing


def _finish(tenant_id: str, raw: bytes, where: str | None = None) -> dict[str, Any] | None:
    found = entry.decode(tenant_id, raw)
    return None if found is None else _resolved(found, where=where)


def _resolved(found: Entry, reads: Reads | None = None, where: str | None = None) -> dict[str, Any] | None:
    if found.source == MISSING:
        return None
    return entry.resolve(found, where or (lambda: _describe(found)), reads)


def _describe(found: Entry) -> str:
    """How messages name a tenant: with its file when the config came from one."""
    tenant_id = found.tenant_id
    if found.source == Source.YAML:
        return f"tenant {tenant_id} ({tenant_files.expected_file(tenant_id)})"
    return f"tenant {tenant_id}"


def _ttl(missing: bool) -> float:
    return float(conf.get_settings().NEGATIVE_TTL if missing else conf.get_settings().CACHE_TTL)


def _shared_load(
    model: type[Model], tenant_id: str, using: str, hint: Guard | None, tier: LocalCache | None
) -> tuple[bytes, Entry | None]:
    """One load for the concurrent misses of a tenant in this process. The leader keeps the
    entry it built; the others decode their own copy, or load again if the load they joined may
    predate an invalidation (so perhaps a commit they saw return)."""
    loaded, led = _flights.do(tenant_id, lambda: _load_and_fill(model, tenant_id, using, hint))
    if led:
        return loaded.raw, loaded.entry
    if _may_predate_a_change(tenant_id, loaded, tier):
        built = sources.load(model, tenant_id, using)
        return built.raw, built.entry
    return loaded.raw, entry.decode(tenant_id, loaded.raw)


def _may_predate_a_change(tenant_id: str, loaded: Loaded, tier: LocalCache | None) -> bool:
    """A writer replaces the tenant's guard before its commit returns, so an unchanged guard means
    the load is current. It need not be asked while the clock has not moved under a trusted tier:
    that tier has heard every invalidation that returned."""
    if loaded.refused:
        return True
    moved = cache.clock() != loaded.clock
    if not moved and tier is not None and tier.trusted:
        return False
    now = None if loaded.guard is None else cache.guard(tenant_id)
    return moved if now is None else now != loaded.guard


def _load_and_fill(model: type[Model], tenant_id: str, using: str, hint: Guard | None) -> Loaded:
    """Read the sources and fill the shared store under the guard read first, unless another
    process holds the tenant's load lock and fills it meanwhile. With a hint (the guard an
    invalidation message gave) nothing is asked of the shared store first."""
    began = cache.clock()
    if hint is not None:
        return _read_and_fill(model, tenant_id, using, began, hint, None)
    owner = cache.new_owner()
    claim = cache.claim(tenant_id, owner, cache.LOCK_TTL_MS)
    if claim is None:
        built = sources.load(model, tenant_id, using)
        return Loaded(built.raw, built.entry, began, None, refused=False)
    if claim.found is not None:
        decoded = entry.decode(tenant_id, claim.found)
        if decoded is not None:
            observer.current.shared_hit()
            return Loaded(claim.found, decoded, began, claim.guard, refused=False)
        _drop_corrupt(tenant_id)
        claim = cache.claim(tenant_id, owner, cache.LOCK_TTL_MS)  # once more, now the bad entry is gone
        if claim is None or claim.found is not None:
            built = sources.load(model, tenant_id, using)
            return Loaded(built.raw, built.entry, began, None, refused=True)
    if not claim.locked:
        waited = cache.wait_for_fill(lambda: cache.peek(tenant_id))
        decoded = None if waited is None else entry.decode(tenant_id, waited)
        if waited is not None and decoded is not None:
            observer.current.shared_hit()
            return Loaded(waited, decoded, began, claim.guard, refused=False)
    return _read_and_fill(model, tenant_id, using, began, claim.guard, owner if claim.locked else "")


def _read_and_fill(
    model: type[Model], tenant_id: str, using: str, began: int, guard: Guard, owner: str | None
) -> Loaded:
    """Read the sources, then fill under ``guard``: on the fill thread when ``owner`` holds the
    load lock (released by the fill) or no lock was asked for (None); at once when another
    process holds it (""), since its waiters look for our entry."""
    try:
        built = sources.load(model, tenant_id, using)
    except BaseException:
        if owner:
            cache.release(tenant_id, owner)
        raise
    if owner == "":
        filled = cache.fill(tenant_id, guard, built.raw, _ttl(built.missing))
        return Loaded(built.raw, built.entry, began, guard, refused=filled is False)
    cache.fill_later(tenant_id, guard, built.raw, _ttl(built.missing), owner)
    return Loaded(built.raw, built.entry, began, guard, refused=False)


# What the manager calls; tenant_registry.metrics swaps in observed ones while METRICS is set.
lookup: Callable[[type[Model], str], dict[str, Any] | None] = get_config
lookup_local: Callable[[type[Model], str], tuple[dict[str, Any] | None] | None] = from_local
