"""The process-wide cache state in one object: the store, the in-process tier and its channel,
the clock, the breaker, the outage log, the fill writer and the invalidations still owed.

``state.reset()`` forgets it all (the next use builds it again from the settings): it runs on
every change of ``CACHES`` or ``TENANT_REGISTRY`` and in a forked child, whose threads did not
survive the fork. Tests call it too; nothing else needs to know what is inside.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches

from .. import conf
from .breaker import Breaker
from .fills import FillWriter
from .guard import Clock
from .listeners import dispatcher
from .local import channel
from .local.tier import LocalCache
from .outage import Outage
from .pending import Owed
from .stores.base import Store
from .stores.client import misconfiguration, primary_client
from .stores.django_cache_store import DjangoStore
from .stores.redis_store import RedisStore

REDIS_BACKENDS = ("django_redis.cache.RedisCache", "django.core.cache.backends.redis.RedisCache")
DUMMY_BACKEND = "django.core.cache.backends.dummy.DummyCache"


def backend_name(path: str) -> str:
    if path in REDIS_BACKENDS:
        return "redis"
    if path == DUMMY_BACKEND:
        return "none"
    module = path.rsplit(".", 2)[-2] if path.count(".") >= 2 else path
    return {"db": "database", "filebased": "file"}.get(module, module)


def cache_options() -> dict[str, Any] | None:
    options: dict[str, Any] | None = settings.CACHES.get(conf.get_settings().CACHE_ALIAS)
    return options


def build_store() -> Store | None:
    options = cache_options()
    if options is None or options["BACKEND"] == DUMMY_BACKEND:
        return None
    django_cache = caches[conf.get_settings().CACHE_ALIAS]
    prefix = conf.get_settings().KEY_PREFIX
    namespace = f"{django_cache.key_prefix}:{prefix}" if django_cache.key_prefix else prefix
    if options["BACKEND"] not in REDIS_BACKENDS:
        return DjangoStore(django_cache, namespace, backend_name(options["BACKEND"]))
    timeout = conf.get_settings().SOCKET_TIMEOUT
    alias, backend = conf.get_settings().CACHE_ALIAS, options["BACKEND"]
    client = primary_client(alias, backend, connect_timeout=conf.get_settings().SOCKET_CONNECT_TIMEOUT, timeout=timeout)
    return RedisStore(client, namespace, channel.encode, timeout=timeout)


class State:
    def __init__(self) -> None:
        self.clock = Clock()
        self.outage = Outage()
        self.breaker = Breaker(lambda: float(conf.get_settings().CACHE_COOLDOWN), self._opened, self.outage.ended)
        self.fills = FillWriter()
        self.owed = Owed()
        self.on_reachable: Callable[[], None] = lambda: None  # set by the tiers: replay, close the breaker
        self._lock = threading.Lock()
        self._built = False
        self._store: Store | None = None
        self._tier: LocalCache | None = None
        self._subscriber: channel.Subscriber | None = None
        self._was_up = False  # the channel was up since the last build: its next coming up is a resync

    def store(self) -> Store | None:
        return self._store if self._built else self._build()[0]

    def tier(self) -> LocalCache | None:
        """The in-process tier, or None when it is off; callers still ask it whether it is live."""
        return self._tier if self._built else self._build()[1]

    def _build(self) -> tuple[Store | None, LocalCache | None]:
        with self._lock:
            if not self._built:
                self._store = build_store()
                if isinstance(self._store, RedisStore) and conf.get_settings().L1_ENABLED:
                    self._tier = LocalCache(int(conf.get_settings().L1_MAX_ENTRIES), self.clock)
                    self._subscriber = channel.Subscriber(
                        self._store, self._tier, self._channel_up, self._channel_down, on_message=_heard
                    )
                    self._subscriber.start()
                self._built = True
            return self._store, self._tier

    def _opened(self, exc: BaseException, cooldown: float) -> None:
        wrong = misconfiguration(exc, conf.get_settings().CACHE_ALIAS, self._client())
        self.outage.began(f"{type(exc).__name__}: {exc}", f"skipping it for {cooldown:.1f}s", wrong)

    def _channel_down(self, exc: BaseException) -> None:
        wrong = misconfiguration(exc, conf.get_settings().CACHE_ALIAS, self._client())
        self.outage.began(f"invalidation channel lost: {exc}", "bypassing the local tier", wrong)

    def _client(self) -> object:
        return getattr(self._store, "client", None)

    def _channel_up(self) -> None:
        self.outage.ended()
        if self._was_up:
            dispatcher.resync()
        self._was_up = True
        if self.breaker.is_open or self.owed.any():
            threading.Thread(target=self.on_reachable, name="tenant-registry-recover", daemon=True).start()

    def reset(self) -> None:
        """Stop the channel and forget everything; the next use builds it again from the settings."""
        self.fills.settle()  # a late fill of before the reset must not count against what follows
        with self._lock:
            if self._subscriber is not None:
                self._subscriber.stop()
            if self._tier is not None:
                self._tier.close()
            self._built, self._store, self._tier, self._subscriber = False, None, None, None
            self._was_up = False
        self.breaker.reset()
        self.outage.reset()
        self.owed.clear()

    def after_fork(self) -> None:
        """A child has none of its parent's threads: no channel, no fill writer, nothing owed."""
        self._lock = threading.Lock()
        self.fills = FillWriter()
        self._built, self._store, self._tier, self._subscriber = False, None, None, None
        self._was_up = False
        self.owed = Owed()
        dispatcher.after_fork()


def _heard(message: channel.Message) -> None:
    dispatcher.heard(message.tokens, message.changes)


state = State()
