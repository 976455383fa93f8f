"""The in-process tier: a bounded LRU of serialized entries, trusted only while the invalidation channel is up.

Every invalidation bumps :attr:`LocalCache.generation`; a reader notes it before it fetches
and :meth:`LocalCache.put` refuses the bytes when it moved meanwhile, so an entry read before
an invalidation arrived can never be inserted after it.

Being subscribed is not enough: a message can sit unread in the socket while the subscriber
thread waits for the GIL. The subscriber pings through the channel, and Redis answers a ping
only after every message published before it, so once the answer to a ping sent at ``p`` is
handled, every invalidation published before ``p`` has been applied. Readers trust the tier
only until :attr:`LocalCache.fresh_until` (that ``p`` plus the allowed staleness).

An invalidation message also carries the tenant's new generation token, so the tier knows
the fill tokens of a tenant whose entry was just removed (with the namespace epoch, learnt
from the last ``*`` message or claim). A reader of such a tenant reads the database and fills
without asking Redis first (:meth:`LocalCache.take_hint`). A token that is out of date can
only get that fill refused.
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
        self._hints: OrderedDict[str, str] = OrderedDict()  # tenant -> generation token, entry removed
        self._claimed: OrderedDict[str, str] = OrderedDict()  # tenant -> token a claim already saw
        self._epoch: str | None = None
        self._epochs_seen = 0  # bumped by every change of the epoch this tier hears of
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

    def invalidated(self, tokens: dict[str, str] | None, epoch: str) -> None:
        """An invalidation message: drop what it names and keep each removed tenant's new token."""
        self.discard(None if tokens is None else tokens.keys())
        with self._lock:
            if tokens is None:
                self._hints.clear()
                self._epochs_seen += 1
                self._epoch = epoch or None
                return
            for tenant_id, token in tokens.items():
                self._hints.pop(tenant_id, None)
                if token and self._claimed.get(tenant_id) != token:  # a late message of a read already done
                    self._hints[tenant_id] = token
            while len(self._hints) > self.max_entries:
                self._hints.popitem(last=False)

    def take_hint(self, tenant_id: str) -> tuple[str, str] | None:
        """The fill tokens of a tenant whose entry an invalidation removed, once; None if unknown."""
        if self._epoch is None or not self._hints:
            return None
        with self._lock:
            token = self._hints.pop(tenant_id, None)
            return None if token is None or self._epoch is None or not self.live else (token, self._epoch)

    def drop_hint(self, tenant_id: str) -> None:
        """A reader that read the tenant after its hint arrived: the entry may be filled by now."""
        if tenant_id in self._hints:
            with self._lock:
                self._hints.pop(tenant_id, None)

    def claimed(self, tenant_id: str, tokens: tuple[str, str], epochs_seen: int) -> None:
        """A claim read these fill tokens: a message of that generation, still to come, brings no
        news, and the epoch is kept unless it changed since ``epochs_seen`` was read."""
        with self._lock:
            self._hints.pop(tenant_id, None)
            self._claimed[tenant_id] = tokens[0]
            self._claimed.move_to_end(tenant_id)
            while len(self._claimed) > self.max_entries:
                self._claimed.popitem(last=False)
            if epochs_seen == self._epochs_seen and self.live:
                self._epoch = tokens[1]

    def epochs_seen(self) -> int:
        return self._epochs_seen

    def hinted(self, tenant_id: str) -> bool:
        return tenant_id in self._hints

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
            self._hints.clear()
            self._claimed.clear()
            self._epochs_seen += 1
            self._epoch = None
            self.live = live
            self.fresh_until = 0.0
