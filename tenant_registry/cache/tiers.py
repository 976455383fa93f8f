"""The shared tier behind the breaker: a cache failure never reaches the caller, and the
invalidations that could not be sent are owed and replayed before anything else as soon as the
cache answers again (at the latest one cool-down after it returns)."""

from __future__ import annotations

import atexit
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .. import conf, observer
from .breaker import Pass
from .changes import Changes
from .guard import Guard
from .listeners import dispatcher, subscribe_in_child
from .local.channel import LEASE
from .state import backend_name, cache_options, state
from .stores.base import Claim, SlotMoving, Store

logger = logging.getLogger("tenant_registry")
T = TypeVar("T")


def _guarded(operation: Callable[[Store], T], default: T, store: Store | None = None) -> T:
    store = store or state.store()
    if store is None:
        return default
    mode = state.breaker.acquire()
    if mode is Pass.SKIP:
        return default
    return _attempt(store, mode, operation, default)


def _attempt(store: Store, mode: Pass, operation: Callable[[Store], T], default: T) -> T:
    try:
        if state.owed.any():
            state.owed.replay(store, LEASE)
        result = operation(store)
    except SlotMoving:  # the cluster answered; only this tenant's slot is being moved
        logger.debug("cache operation met a slot being moved", exc_info=True)
        state.breaker.success(mode)
        return default
    except Exception as exc:  # any cache failure opens the breaker, which logs it
        logger.debug("cache operation failed", exc_info=True)
        state.breaker.failure(mode, exc)
        return default
    state.breaker.success(mode)
    return result


def get(tenant_id: str) -> bytes | None:
    state.fills.settle(tenant_id)
    return _guarded(lambda s: s.get(tenant_id), None)


def guard(tenant_id: str) -> Guard | None:
    """The guard a later fill must match; None when the cache cannot be used now."""
    state.fills.settle(tenant_id)
    return _guarded(lambda s: s.guard(tenant_id), None)


def claim(tenant_id: str, owner: str, ttl_ms: int) -> Claim | None:
    """The guard, and the entry or else the load lock for ``owner``; None when the cache cannot be used."""
    state.fills.settle(tenant_id)
    return _guarded(lambda s: s.claim(tenant_id, owner, ttl_ms), None)


def fill(tenant_id: str, guard: Guard, value: bytes, ttl: float) -> bool | None:
    """Whether ``guard`` was still current (the entry is then in the cache, ours or an equal
    one); None when the cache could not be asked."""
    return _refused(_guarded(lambda s: s.fill(tenant_id, guard, value, ttl), None))


def _refused(filled: bool | None) -> bool | None:
    if filled is False:
        observer.current.fill_refused()
    return filled


def fill_later(tenant_id: str, guard: Guard, value: bytes, ttl: float, owner: str | None) -> None:
    """:func:`fill` on the fill thread, releasing ``owner``'s load lock, in the store of now."""
    store = state.store()
    if store is not None:
        write: Callable[[Store], bool] = lambda s: s.fill(tenant_id, guard, value, ttl, owner)  # noqa: E731
        state.fills.submit(tenant_id, lambda: _refused(_guarded(write, None, store)))


def release(tenant_id: str, owner: str) -> None:
    _guarded(lambda s: s.release(tenant_id, owner), None)


def peek(tenant_id: str) -> tuple[bytes | None, bool]:
    """The entry and whether its load lock is held; (None, False) when the cache cannot be used."""
    state.fills.settle(tenant_id)
    unavailable: tuple[bytes | None, bool] = (None, False)
    return _guarded(lambda s: s.peek(tenant_id), unavailable)


def contains(tenant_id: str) -> bool | None:
    state.fills.settle(tenant_id)
    return _guarded(lambda s: s.contains(tenant_id), None)


def invalidate(tenant_ids: Iterable[str], changes: Changes | None = None) -> None:
    """Remove these tenants' entries everywhere; returns once every in-process tier the message
    reached has dropped them (or its lease ran out). Owed when the cache cannot take it.
    ``changes``: what the writer knows of each change, for the listeners of every process."""
    ids = set(tenant_ids)
    state.clock.tick()
    if not ids:
        return
    if state.store() is None:
        _drop_here(ids, changes)
        return
    observer.current.invalidation("tenant", len(ids))
    try:
        if not _guarded(lambda s: _sent(s.invalidate, ids, changes), False):
            observer.current.invalidation("owed", len(ids))
            state.owed.add(ids)
            state.owed.retry_in(state.breaker.remaining(), _retry)
    finally:
        _drop_here(ids, changes)


def _sent(send: Callable[[set[str], float, Changes | None], None], ids: set[str], changes: Changes | None) -> bool:
    send(ids, LEASE, changes)
    return True


def invalidate_all(known_ids: Iterable[str]) -> int:
    state.fills.settle()  # so the count includes this process's own fills
    state.clock.tick()
    if state.store() is None:
        _drop_here(None)
        return 0
    try:
        observer.current.invalidation("all")
        removed: int | None = _guarded(lambda s: s.invalidate_all(known_ids, LEASE), None)
        if removed is None:
            observer.current.invalidation("owed")
            state.owed.add(None)
            state.owed.retry_in(state.breaker.remaining(), _retry)
            return 0
        return removed
    finally:
        _drop_here(None)


def _drop_here(ids: set[str] | None, changes: Changes | None = None) -> None:
    """Without an in-process tier no channel reports this process's own changes: they are reported here."""
    tier = state.tier()
    if tier is not None:
        tier.discard(ids)
    else:
        dispatcher.heard(ids, changes)


def recover() -> None:
    """The cache answers again (the channel is back, or a caller asks): replay what is owed and
    close the breaker now, cool-down or not."""
    store = state.store()
    mode = state.breaker.force_probe()
    if store is not None and mode is not Pass.SKIP:
        _attempt(store, mode, lambda s: s.ping(), None)


def _retry() -> None:
    _guarded(lambda s: None, None)
    state.owed.retry_in(state.breaker.remaining(), _retry)


def info(known_ids: Iterable[str]) -> dict[str, Any]:
    options = cache_options()
    store = state.store()
    state.fills.settle()
    if store is not None and state.breaker.is_open:
        recover()
    unknown: int | None = -1
    count = _guarded(lambda s: s.count(known_ids), unknown) if store is not None else -1
    available = store is not None and count != -1 and not state.breaker.is_open
    return {
        "backend": backend_name(options["BACKEND"]) if options else "none",
        "available": available,
        "reason": None if available else _reason(store),
        "ttl_seconds": conf.get_settings().CACHE_TTL,
        "cached_tenants": None if count == -1 else count,
    }


def _reason(store: Store | None) -> str:
    if store is None:
        return "no cache configured"
    return state.outage.reason or state.breaker.last_error or "the cache did not answer"


def pending() -> tuple[set[str], bool]:
    """The invalidations still owed by this process: tenant ids, and whether a full flush is."""
    return state.owed.snapshot()


def flush_pending() -> None:
    """At exit, send what this process still owes: once, past the cool-down. If the cache
    cannot take it, say so; those entries may then be stale for up to CACHE_TTL."""
    ids, everything = pending()
    store = state.store() if ids or everything else None
    if store is None:
        return
    try:
        state.owed.replay(store, LEASE)
    except Exception as exc:  # noqa: BLE001 - at exit all that is left is to report it
        what = ", ".join(sorted(ids)) + (" and of every tenant" if everything else "")
        logger.error(
            "could not send the invalidation of %s before exit (%s: %s); stale for up to CACHE_TTL (%ss)",
            what.removeprefix(" and of "),
            type(exc).__name__,
            exc,
            conf.get_settings().CACHE_TTL,
        )


def finish_fills() -> None:
    """At exit, let this process's queued fills land (within SETTLE_SECONDS): what a short-lived
    command read is then cached for the next one, and no fill is cut off halfway."""
    state.fills.settle()


def install() -> None:
    """The process's hooks, from ``AppConfig.ready()``: replay owed invalidations once the cache
    answers again, drop the parent's threads in a forked child, and send what is owed at exit."""
    if state.on_reachable is recover:
        return
    state.on_reachable = recover
    os.register_at_fork(after_in_child=state.after_fork)
    os.register_at_fork(after_in_child=subscribe_in_child)  # after state's, which dropped the parent's threads
    atexit.register(flush_pending)
    atexit.register(finish_fills)  # runs first
