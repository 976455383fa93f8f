"""This process's in-process tier for the current cache store.

Built on first use when ``L1_ENABLED`` and the store is Redis (the channel that keeps it
fresh lives there); rebuilt when the settings change and forgotten in a forked child, whose
subscriber thread did not survive the fork.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from . import cache, conf
from .l1 import LocalCache
from .pubsub import Subscriber
from .redis_store import RedisStore

_lock = threading.Lock()
_ready = False
_local: LocalCache | None = None
_subscriber: Subscriber | None = None


def current() -> LocalCache | None:
    """The tier, or None when it is off; callers still check ``live`` (via get/put)."""
    if _ready:
        return _local
    return _build()


def _build() -> LocalCache | None:
    global _ready, _local, _subscriber
    with _lock:
        if _ready:
            return _local
        store = cache.get_store() if conf.get("L1_ENABLED") else None
        if isinstance(store, RedisStore):
            _local = LocalCache(int(conf.get("L1_MAX_ENTRIES")))
            _subscriber = Subscriber(store.client, store.channel, _local)
            _subscriber.start()
        _ready = True
        return _local


def reset() -> None:
    """Stop the subscriber and forget the tier; the next read builds it again from the settings."""
    global _ready, _local, _subscriber
    with _lock:
        if _subscriber is not None:
            _subscriber.stop()
        if _local is not None:
            _local.set_live(False)
        _ready, _local, _subscriber = False, None, None


def _forget_after_fork() -> None:
    global _ready, _local, _subscriber, _lock
    _lock = threading.Lock()
    _ready, _local, _subscriber = False, None, None


def _discard(tenant_ids: set[str] | None) -> None:
    local = _local
    if local is not None:
        local.discard(tenant_ids)


@receiver(setting_changed)
def _reset_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CACHES", conf.SETTING_NAME):
        reset()


cache.add_listener(_discard)
os.register_at_fork(after_in_child=_forget_after_fork)
