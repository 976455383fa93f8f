"""The in-process tier: a bounded LRU of serialized entries, trusted only while the invalidation channel is up.

Every invalidation bumps :attr:`LocalCache.generation`; a reader notes it before it fetches
and :meth:`LocalCache.put` refuses the bytes when it moved meanwhile, so an entry read before
an invalidation arrived can never be inserted after it.

Being subscribed is not enough: a message can sit unread in the socket while the subscriber
thread waits for the GIL. The subscriber pings through the channel, and Redis answers a ping
only after every message published before it, so once the answer to a ping sent at ``p`` is
handled, every invalidation published before ``p`` has been applied. Readers trust the tier
only until :attr:`LocalCache.fresh_until` (that ``p`` plus the allowed staleness).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from contextlib import suppress
from time import monotonic


class LocalCache:
    def __init__(self, max_entries: int) -> None:
        self.max_entries = max(1, int(max_entries))
        self.generation = 0
        self.live = False
        self.fresh_until = 0.0
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, tenant_id: object) -> bool:
        return tenant_id in self._entries

    @property
    def trusted(self) -> bool:
        return self.live and monotonic() < self.fresh_until

    def confirm(self, sent: float, staleness: float) -> None:
        """Every invalidation published before ``sent`` (monotonic) has been applied."""
        self.fresh_until = max(self.fresh_until, sent + staleness)

    def get(self, tenant_id: str) -> bytes | None:
        now = monotonic()
        if not self.live or now >= self.fresh_until:
            return None
        hit = self._entries.get(tenant_id)
        if hit is None:
            return None
        if hit[1] < now:
            self.discard([tenant_id])
            return None
        with suppress(KeyError):  # dropped by an invalidation just now; the bytes were current when read
            self._entries.move_to_end(tenant_id)
        return hit[0]

    def put(self, tenant_id: str, raw: bytes, generation: int, ttl: float) -> bool:
        """Insert unless the channel is down or an invalidation arrived since ``generation`` was read."""
        with self._lock:
            if not self.live or generation != self.generation:
                return False
            self._entries[tenant_id] = (raw, monotonic() + ttl)
            self._entries.move_to_end(tenant_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return True

    def discard(self, tenant_ids: Iterable[str] | None) -> None:
        """Drop these tenants (every tenant when None) and refuse fills read before now."""
        with self._lock:
            self.generation += 1
            if tenant_ids is None:
                self._entries.clear()
            else:
                for tenant_id in tenant_ids:
                    self._entries.pop(tenant_id, None)

    def set_live(self, live: bool) -> None:
        """Going up or down empties the tier: messages may have been missed while it was down."""
        with self._lock:
            self.generation += 1
            self._entries.clear()
            self.live = live
            self.fresh_until = 0.0
