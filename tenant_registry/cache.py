"""The shared cache tier: picks a store for CACHE_ALIAS, guards it with a breaker, and never
lets a cache failure reach the caller. Invalidations that could not be sent are kept and
replayed as soon as the cache answers again (at the latest one cool-down after it returns).
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver

from . import conf, fills
from .breaker import Breaker, Pass
from .django_store import DjangoStore
from .redis_store import RedisStore

logger = logging.getLogger("tenant_registry")
T = TypeVar("T")
REDIS_BACKENDS = ("django_redis.cache.RedisCache", "django.core.cache.backends.redis.RedisCache")
DUMMY_BACKEND = "django.core.cache.backends.dummy.DummyCache"
Tokens = tuple[str, str]
RETRY_MARGIN = 0.05  # the owed invalidations are retried this long after the cool-down ends


class Store(Protocol):
    backend: str

    def get(self, tenant_id: str) -> bytes | None: ...
    def tokens(self, tenant_id: str) -> Tokens: ...
    def fill(self, tenant_id: str, tokens: Tokens, value: bytes, ttl: float) -> bool: ...
    def claim(self, tenant_id: str, owner: str, ttl_ms: int) -> tuple[Tokens, bool, bytes | None]: ...
    def fill_and_release(self, tenant_id: str, tokens: Tokens, value: bytes, ttl: float, owner: str) -> bool: ...
    def release(self, tenant_id: str, owner: str) -> None: ...
    def peek(self, tenant_id: str) -> tuple[bytes | None, bool]: ...
    def invalidate(self, tenant_ids: Iterable[str]) -> None: ...
    def invalidate_all(self, known_ids: Iterable[str]) -> int: ...
    def count(self, known_ids: Iterable[str]) -> int | None: ...
    def contains(self, tenant_id: str) -> bool: ...
    def ping(self) -> None: ...


breaker = Breaker("tenant registry cache", lambda: float(conf.get("CACHE_COOLDOWN")))
_pending: set[str] = set()
_pending_all = False
_pending_lock = threading.Lock()
_retry_timer: threading.Timer | None = None
_invalidations = 0
# Called with the ids (None: every tenant) after each invalidation, whether or not the store took it.
_listeners: list[Callable[[set[str] | None], None]] = []


def backend_name(path: str) -> str:
    if path in REDIS_BACKENDS:
        return "redis"
    if path == DUMMY_BACKEND:
        return "none"
    module = path.rsplit(".", 2)[-2] if path.count(".") >= 2 else path
    return {"db": "database", "filebased": "file"}.get(module, module)


def _first_location(location: str | list[str]) -> str:
    first = location[0] if isinstance(location, list | tuple) else location.split(",")[0]
    return first.strip()


@cache
def get_store() -> Store | None:
    alias = conf.get("CACHE_ALIAS")
    options = _cache_options(alias)
    if options is None or options["BACKEND"] == DUMMY_BACKEND:
        return None
    django_cache = caches[alias]
    prefix = conf.get("KEY_PREFIX")
    namespace = f"{django_cache.key_prefix}:{prefix}" if django_cache.key_prefix else prefix
    if options["BACKEND"] in REDIS_BACKENDS:
        pool_kwargs = options.get("OPTIONS", {}).get("CONNECTION_POOL_KWARGS", {})
        return RedisStore(
            _first_location(options["LOCATION"]),
            namespace,
            connect_timeout=conf.get("SOCKET_CONNECT_TIMEOUT"),
            timeout=conf.get("SOCKET_TIMEOUT"),
            **{k: v for k, v in pool_kwargs.items() if not k.startswith("socket_")},
        )
    return DjangoStore(django_cache, namespace, backend_name(options["BACKEND"]))


def _cache_options(alias: str) -> dict[str, Any] | None:
    options: dict[str, Any] | None = settings.CACHES.get(alias)
    return options


@receiver(setting_changed)
def _reset_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CACHES", conf.SETTING_NAME):
        get_store.cache_clear()
        breaker.reset()


def _guarded(operation: Callable[[Store], T], default: T) -> T:
    store = get_store()
    return default if store is None else _guarded_on(store, operation, default)


def _guarded_on(store: Store, operation: Callable[[Store], T], default: T) -> T:
    mode = breaker.acquire()
    if mode is Pass.SKIP:
        return default
    try:
        if _pending or _pending_all:
            _replay(store)
        result = operation(store)
    except Exception as exc:  # any cache failure opens the breaker, which logs it
        logger.debug("cache operation failed", exc_info=True)
        breaker.failure(mode, exc)
        return default
    breaker.success(mode)
    return result


def get(tenant_id: str) -> bytes | None:
    fills.settle(tenant_id)
    store = get_store()
    if store is None or breaker.is_open or _pending or _pending_all:
        return _guarded(lambda s: s.get(tenant_id), None)
    try:  # the closed-breaker fast path of _guarded, without its closures
        return store.get(tenant_id)
    except Exception as exc:  # any cache failure opens the breaker, which logs it
        logger.debug("cache operation failed", exc_info=True)
        breaker.failure(Pass.NORMAL, exc)
        return None


def tokens(tenant_id: str) -> Tokens | None:
    """The tokens a later :func:`fill` must match; None when the cache cannot be used now."""
    fills.settle(tenant_id)
    return _guarded(lambda s: s.tokens(tenant_id), None)


def fill(tenant_id: str, tokens: Tokens, value: bytes, ttl: float) -> bool | None:
    """Whether ``tokens`` were still current (the entry is then in the cache, ours or an equal one);
    None when the cache could not be asked."""
    return _guarded(lambda s: s.fill(tenant_id, tokens, value, ttl), None)


def invalidations() -> int:
    """How many invalidations this process has made: a change tells a read in flight it may be old."""
    return _invalidations


def claim(tenant_id: str, owner: str, ttl_ms: int) -> tuple[Tokens, bool, bytes | None] | None:
    """Fill tokens, whether ``owner`` got the tenant's short load lock, and the entry if it is there
    after all; None when the cache cannot be used."""
    fills.settle(tenant_id)
    return _guarded(lambda s: s.claim(tenant_id, owner, ttl_ms), None)


def fill_and_release(tenant_id: str, tokens: Tokens, value: bytes, ttl: float, owner: str) -> bool | None:
    """:func:`fill`, releasing ``owner``'s load lock in the same round trip."""
    return _guarded(lambda s: s.fill_and_release(tenant_id, tokens, value, ttl, owner), None)


def fill_later(tenant_id: str, tokens: Tokens, value: bytes, ttl: float, owner: str | None) -> None:
    """:func:`fill_and_release` (:func:`fill` without an owner) on the fill thread, in the store
    of now: a reader needs only the entry it built, and :func:`tokens` tells others whether it
    is still current."""
    store = get_store()
    if store is None:
        return

    def write(s: Store) -> bool:
        if owner is None:
            return s.fill(tenant_id, tokens, value, ttl)
        return s.fill_and_release(tenant_id, tokens, value, ttl, owner)

    fills.submit(tenant_id, lambda: _guarded_on(store, write, None))


def release(tenant_id: str, owner: str) -> None:
    _guarded(lambda s: s.release(tenant_id, owner), None)


def peek(tenant_id: str) -> tuple[bytes | None, bool]:
    """The entry and whether its load lock is held; (None, False) when the cache cannot be used."""
    fills.settle(tenant_id)
    unavailable: tuple[bytes | None, bool] = (None, False)
    return _guarded(lambda s: s.peek(tenant_id), unavailable)


def add_listener(listener: Callable[[set[str] | None], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def _notify(ids: set[str] | None) -> None:
    for listener in _listeners:
        listener(ids)


def invalidate(tenant_ids: Iterable[str]) -> None:
    global _invalidations
    ids = set(tenant_ids)
    _invalidations += 1
    if not ids or get_store() is None:
        return
    try:
        if not _guarded(lambda s: _sent(s.invalidate, ids), False):
            with _pending_lock:
                _pending.update(ids)
            _schedule_retry()
    finally:
        _notify(ids)


def _sent(send: Callable[[set[str]], None], ids: set[str]) -> bool:
    send(ids)
    return True


def invalidate_all(known_ids: Iterable[str]) -> int:
    global _pending_all, _invalidations
    fills.settle()  # so the count includes this process's own fills
    _invalidations += 1
    if get_store() is None:
        return 0
    try:
        removed: int | None = _guarded(lambda s: s.invalidate_all(known_ids), None)
        if removed is None:
            with _pending_lock:
                _pending_all = True
            _schedule_retry()
            return 0
        return removed
    finally:
        _notify(None)


def contains(tenant_id: str) -> bool | None:
    fills.settle(tenant_id)
    return _guarded(lambda s: s.contains(tenant_id), None)


def info(known_ids: Iterable[str]) -> dict[str, Any]:
    options = _cache_options(conf.get("CACHE_ALIAS"))
    store = get_store()
    unknown: int | None = -1
    fills.settle()
    count = _guarded(lambda s: s.count(known_ids), unknown) if store is not None else -1
    return {
        "backend": backend_name(options["BACKEND"]) if options else "none",
        "available": store is not None and count != -1 and not breaker.is_open,
        "ttl_seconds": conf.get("CACHE_TTL"),
        "cached_tenants": None if count == -1 else count,
    }


def _replay(store: Store) -> None:
    """Send the invalidations still owed; on failure they stay owed and the error propagates."""
    global _pending_all
    with _pending_lock:
        ids, everything = set(_pending), _pending_all
    if everything:
        store.invalidate_all(ids)
    if ids:
        store.invalidate(ids)
    with _pending_lock:
        _pending.difference_update(ids)
        _pending_all = _pending_all and not everything


def _schedule_retry() -> None:
    global _retry_timer
    with _pending_lock:
        if not (_pending or _pending_all) or (_retry_timer is not None and _retry_timer.is_alive()):
            return
        _retry_timer = threading.Timer(breaker.remaining() + RETRY_MARGIN, _retry)
        _retry_timer.daemon = True
        _retry_timer.start()


def _retry() -> None:
    _guarded(lambda s: None, None)
    global _retry_timer
    with _pending_lock:
        _retry_timer = None
    _schedule_retry()


def pending() -> tuple[set[str], bool]:
    """The invalidations still owed by this process: tenant ids, and whether a full flush is."""
    with _pending_lock:
        return set(_pending), _pending_all


def flush_pending() -> None:
    """At exit, send what this process still owes: once, past the cool-down. If the cache
    cannot take it, say so; those entries may then be stale for up to CACHE_TTL."""
    ids, everything = pending()
    store = get_store() if ids or everything else None
    if store is None:
        return
    try:
        _replay(store)
    except Exception as exc:  # noqa: BLE001 - at exit all that is left is to report it
        what = ", ".join(sorted(ids)) + (" and of every tenant" if everything else "")
        logger.error(
            "could not send the invalidation of %s before exit (%s: %s); stale for up to CACHE_TTL (%ss)",
            what.removeprefix(" and of "),
            type(exc).__name__,
            exc,
            conf.get("CACHE_TTL"),
        )


atexit.register(flush_pending)
