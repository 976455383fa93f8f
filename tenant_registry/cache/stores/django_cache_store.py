"""Any other Django cache backend (LocMem in development): the same guarded fills under a process lock.

There is no channel here, so no in-process tier and nothing to wait for after an invalidation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.core.cache.backends.base import BaseCache

from ..changes import Changes
from ..guard import Guard, new_token
from .base import GUARD_TTL_MS, Claim, Keys


class DjangoStore:
    """Atomic within one process; LocMem is per process anyway, so that is all it needs."""

    def __init__(self, cache: BaseCache, namespace: str, backend: str) -> None:
        self.cache = cache
        self.keys = Keys(namespace)
        self.epoch = f"{namespace}epoch"  # one for all: no slots to share here
        self.backend = backend
        self._lock = threading.Lock()

    def get(self, tenant_id: str) -> bytes | None:
        value = self.cache.get(self.keys.entry(tenant_id))
        return value if isinstance(value, bytes) else None

    def guard(self, tenant_id: str) -> Guard:
        token_key = self.keys.token(tenant_id)
        found = self.cache.get_many([token_key, self.epoch])
        return Guard(found.get(token_key, ""), found.get(self.epoch, ""))

    def fill(self, tenant_id: str, guard: Guard, value: bytes, ttl: float, owner: str | None = None) -> bool:
        with self._lock:
            if self.guard(tenant_id) != guard:
                return False
            self.cache.add(self.keys.entry(tenant_id), value, ttl)
            return True

    def claim(self, tenant_id: str, owner: str, ttl_ms: int) -> Claim:
        return Claim(self.guard(tenant_id), True, self.get(tenant_id))

    def release(self, tenant_id: str, owner: str) -> None:
        return None

    def peek(self, tenant_id: str) -> tuple[bytes | None, bool]:
        return self.get(tenant_id), False

    def invalidate(self, tenant_ids: Iterable[str], lease: float, changes: Changes | None = None) -> None:
        ids = list(tenant_ids)
        with self._lock:
            self.cache.set_many({self.keys.token(t): new_token() for t in ids}, GUARD_TTL_MS / 1000)
            self.cache.delete_many([self.keys.entry(t) for t in ids])

    def invalidate_all(self, known_ids: Iterable[str], lease: float) -> int:
        keys = [self.keys.entry(t) for t in known_ids]
        with self._lock:
            self.cache.set(self.epoch, new_token(), None)
            present = len(self.cache.get_many(keys))
            self.cache.delete_many(keys)
        return present

    def count(self, known_ids: Iterable[str]) -> int | None:
        return len(self.cache.get_many([self.keys.entry(t) for t in known_ids]))

    def contains(self, tenant_id: str) -> bool:
        return self.cache.has_key(self.keys.entry(tenant_id))

    def ping(self) -> None:
        self.cache.get(self.epoch)
