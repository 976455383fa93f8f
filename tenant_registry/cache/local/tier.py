"""The in-process tier: a bounded LRU of serialized entries, trusted only under a live lease.

The lease is the channel's confirmed liveness. The subscriber pings through the channel, and
Redis answers a ping only after every message published before it, so once the answer to a
ping sent at ``p`` is handled, every invalidation published before ``p`` has been applied. The
tier is trusted until ``p + LEASE`` (:attr:`LocalCache.fresh_until`). A writer waits for the
acknowledgement of each subscriber its message reached, or for ``LEASE``: after that no tier
can serve what the message removed.

Every change is a tick of the process's :class:`~..guard.Clock`; :meth:`LocalCache.put`
refuses bytes read before the last tick, so an entry read before an invalidation arrived is
never inserted after it.

A message also names each tenant's new guard token; with the namespace's epoch (learnt when
subscribing, and from ``invalidate_all``'s messages) that is the :class:`~..guard.Guard` the
next reader of the tenant fills under, without asking Redis first (:meth:`LocalCache.take_hint`).
An out-of-date hint only gets that fill refused.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from time import monotonic

from ..guard import Clock, Guard


class Kept:
    """An entry of the tier: its bytes, when it expires, and what the read path last made of it."""

    __slots__ = ("answer", "expires", "raw")

    def __init__(self, raw: bytes, expires: float) -> None:
        self.raw = raw
        self.expires = expires
        self.answer: object = None


class LocalCache:
    def __init__(self, max_entries: int, clock: Clock) -> None:
        self.max_entries = max(1, int(max_entries))
        self.clock = clock
        self.live = False
        self.fresh_until = 0.0
        self.epoch: str | None = None
        self._entries: OrderedDict[str, Kept] = OrderedDict()
        self._hints: OrderedDict[str, str] = OrderedDict()  # tenant -> its token since its entry was removed
        self._lock = threading.Lock()
        self._closed = False

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, tenant_id: object) -> bool:
        return tenant_id in self._entries

    @property
    def trusted(self) -> bool:
        return self.live and monotonic() < self.fresh_until

    def confirm(self, sent: float, lease: float) -> None:
        """Every invalidation published before ``sent`` (monotonic) has been applied."""
        self.fresh_until = max(self.fresh_until, sent + lease)

    def get(self, tenant_id: str) -> bytes | None:
        kept = self.kept(tenant_id)
        return None if kept is None else kept.raw

    def kept(self, tenant_id: str) -> Kept | None:
        now = monotonic()
        if not self.live or now >= self.fresh_until:
            return None
        hit = self._entries.get(tenant_id)
        if hit is None:
            return None
        if hit.expires < now:
            self.discard([tenant_id])
            return None
        try:  # noqa: SIM105 - cheaper than suppress() on the hottest path
            self._entries.move_to_end(tenant_id)
        except KeyError:  # dropped by an invalidation just now; the bytes were current when read
            pass
        return hit

    def put(self, tenant_id: str, raw: bytes, seen: int, ttl: float) -> bool:
        """Insert unless the tier is not live or the clock moved since ``seen`` was read."""
        with self._lock:
            if not self.live or seen != self.clock.now:
                return False
            self._entries[tenant_id] = Kept(raw, monotonic() + ttl)
            self._entries.move_to_end(tenant_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return True

    def discard(self, tenant_ids: Iterable[str] | None) -> None:
        """Drop these tenants (every tenant when None) and refuse fills read before now."""
        with self._lock:
            if self._closed:  # a late message to a replaced tier: the clock is the next tier's
                return
            self.clock.tick()
            if tenant_ids is None:
                self._entries.clear()
            else:
                for tenant_id in tenant_ids:
                    self._entries.pop(tenant_id, None)

    def invalidated(self, tokens: dict[str, str] | None, epoch: str) -> None:
        """A message: drop what it names and keep each tenant's new token as its hint."""
        self.discard(None if tokens is None else tokens.keys())
        with self._lock:
            if tokens is None:
                self._hints.clear()
                self.epoch = epoch or None
                return
            for tenant_id, token in tokens.items():
                self._hints.pop(tenant_id, None)
                if token:
                    self._hints[tenant_id] = token
            while len(self._hints) > self.max_entries:
                self._hints.popitem(last=False)

    def take_hint(self, tenant_id: str) -> Guard | None:
        """The guard of a tenant whose entry a message removed, once; None if unknown."""
        if not self._hints or self.epoch is None:
            return None
        with self._lock:
            token = self._hints.pop(tenant_id, None)
            return None if token is None or self.epoch is None or not self.live else Guard(token, self.epoch)

    def hinted(self, tenant_id: str) -> bool:
        return tenant_id in self._hints

    def close(self) -> None:
        """Down for good: the settings changed. A subscriber still winding down cannot bring it up
        again, nor tick the clock the next tier shares."""
        self.set_live(False)
        with self._lock:
            self._closed = True

    def set_live(self, live: bool, epoch: str | None = None) -> None:
        """Going up or down empties the tier and ticks the clock: messages may have been missed
        while it was down, so nothing read before it came up may be kept."""
        with self._lock:
            if self._closed:
                return
            if live != self.live:
                self.clock.tick()
            self._entries.clear()
            self._hints.clear()
            self.epoch = epoch
            self.live = live
            self.fresh_until = 0.0
