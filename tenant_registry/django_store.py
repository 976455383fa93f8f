"""Any other Django cache backend (LocMem in development): the same guarded fills under a process lock."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.core.cache.backends.base import BaseCache

from .redis_store import new_token

GEN_TTL = 7 * 24 * 3600


class DjangoStore:
    """Atomic within one process; LocMem is per process anyway, so that is all it needs."""

    def __init__(self, cache: BaseCache, namespace: str, backend: str) -> None:
        self.cache = cache
        self.ns = namespace
        self.backend = backend
        self._lock = threading.Lock()

    def entry_key(self, tenant_id: str) -> str:
        return f"{self.ns}c:{tenant_id}"

    def gen_key(self, tenant_id: str) -> str:
        return f"{self.ns}g:{tenant_id}"

    @property
    def epoch_key(self) -> str:
        return f"{self.ns}epoch"

    def get(self, tenant_id: str) -> bytes | None:
        value = self.cache.get(self.entry_key(tenant_id))
        return value if isinstance(value, bytes) else None

    def tokens(self, tenant_id: str) -> tuple[str, str]:
        found = self.cache.get_many([self.gen_key(tenant_id), self.epoch_key])
        return found.get(self.gen_key(tenant_id), ""), found.get(self.epoch_key, "")

    def fill(self, tenant_id: str, tokens: tuple[str, str], value: bytes, ttl: float) -> bool:
        with self._lock:
            if self.tokens(tenant_id) != tokens:
                return False
            self.cache.add(self.entry_key(tenant_id), value, ttl)
            return True

    def claim(self, tenant_id: str, owner: str, ttl_ms: int) -> tuple[tuple[str, str], bool, bytes | None]:
        return self.tokens(tenant_id), True, self.get(tenant_id)

    def fill_and_release(self, tenant_id: str, tokens: tuple[str, str], value: bytes, ttl: float, owner: str) -> bool:
        return self.fill(tenant_id, tokens, value, ttl)

    def release(self, tenant_id: str, owner: str) -> None:
        return None

    def peek(self, tenant_id: str) -> tuple[bytes | None, bool]:
        return self.get(tenant_id), False

    def invalidate(self, tenant_ids: Iterable[str]) -> None:
        ids = list(tenant_ids)
        with self._lock:
            self.cache.set_many({self.gen_key(t): new_token() for t in ids}, GEN_TTL)
            self.cache.delete_many([self.entry_key(t) for t in ids])

    def invalidate_all(self, known_ids: Iterable[str]) -> int:
        keys = [self.entry_key(t) for t in known_ids]
        with self._lock:
            self.cache.set(self.epoch_key, new_token(), GEN_TTL)
            present = len(self.cache.get_many(keys))
            self.cache.delete_many(keys)
        return present

    def count(self, known_ids: Iterable[str]) -> int | None:
        return len(self.cache.get_many([self.entry_key(t) for t in known_ids]))

    def contains(self, tenant_id: str) -> bool:
        return self.cache.has_key(self.entry_key(tenant_id))

    def ping(self) -> None:
        self.cache.get(self.epoch_key)
