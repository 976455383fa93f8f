"""The protocol every shared store speaks, and the one key scheme they share.

Under one namespace ``N`` (the cache alias's KEY_PREFIX, then ours), a tenant's keys carry the
hash tag of its bucket ``{b}`` (a CRC32 of its id, of :data:`BUCKETS`), and so does the epoch of
that bucket: on a Redis Cluster a tenant's entry, guard token, load lock and epoch share one
slot, so each script touches one slot. ``N c:{b}<id>`` holds an entry, ``N g:{b}<id>`` the
tenant's guard token, ``N epoch:{b}`` the epoch of its bucket (``invalidate_all`` replaces every
bucket's), ``N l:{b}<id>`` the short lock of the process loading a missing entry, ``N events``
is the invalidation channel and ``N ack:<id>`` the list an invalidation's subscribers
acknowledge it on.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from ..changes import Changes
from ..guard import Guard

GUARD_TTL_MS = 7 * 24 * 3600 * 1000  # a tenant's token outlives any entry filled under it


BUCKETS = 1024  # epoch keys written by invalidate_all; enough to spread tenants over a cluster's slots
HOST_PREFIX = "host:"  # entries of host lookups (``host:<domain>``) share the scheme; never a tenant id


class Keys:
    def __init__(self, namespace: str) -> None:
        self.ns = namespace
        self.channel = f"{namespace}events"
        self._entry_prefix = f"{namespace}c:".encode()

    def entry(self, tenant_id: str) -> str:
        return f"{self.ns}c:{{{bucket(tenant_id)}}}{tenant_id}"

    def token(self, tenant_id: str) -> str:
        return f"{self.ns}g:{{{bucket(tenant_id)}}}{tenant_id}"

    def lock(self, tenant_id: str) -> str:
        return f"{self.ns}l:{{{bucket(tenant_id)}}}{tenant_id}"

    def epoch(self, tenant_id: str) -> str:
        return self.bucket_epoch(bucket(tenant_id))

    def bucket_epoch(self, number: int) -> str:
        return f"{self.ns}epoch:{{{number}}}"

    def epochs(self) -> list[str]:
        return [self.bucket_epoch(number) for number in range(BUCKETS)]

    def ack(self, ack_id: str) -> str:
        return f"{self.ns}ack:{ack_id}"

    def entry_tail(self, key: bytes) -> bytes | None:
        """What follows the prefix and bucket of an entry's key (this layout, or the earlier
        ``c:<id>``, which ``invalidate_all`` removes too): the tenant id if the key is ours."""
        if not key.startswith(self._entry_prefix):
            return None
        tail = key[len(self._entry_prefix) :]
        return tail[tail.find(b"}") + 1 :] if tail[:1] == b"{" else tail


def bucket(tenant_id: str) -> int:
    return zlib.crc32(tenant_id.encode()) % BUCKETS


class SlotMoving(Exception):
    """A tenant's keys cannot be used together for now: a Redis Cluster is moving their slot
    (half of them on each primary, TRYAGAIN). The cache answers; that tenant goes to its sources
    until the move ends."""


class Claim(NamedTuple):
    guard: Guard  # read with the entry, before the database is
    locked: bool  # whether the claimant now holds the tenant's load lock
    found: bytes | None  # the entry, if another reader filled it since this one missed (no lock then)


class Store(Protocol):
    backend: str
    keys: Keys

    def get(self, tenant_id: str) -> bytes | None: ...
    def guard(self, tenant_id: str) -> Guard: ...
    def fill(self, tenant_id: str, guard: Guard, value: bytes, ttl: float, owner: str | None = None) -> bool: ...
    def claim(self, tenant_id: str, owner: str, ttl_ms: int) -> Claim: ...
    def release(self, tenant_id: str, owner: str) -> None: ...
    def peek(self, tenant_id: str) -> tuple[bytes | None, bool]: ...
    def invalidate(self, tenant_ids: Iterable[str], lease: float, changes: Changes | None = None) -> None: ...
    def invalidate_all(self, known_ids: Iterable[str], lease: float) -> int: ...
    def count(self, known_ids: Iterable[str]) -> int | None: ...
    def contains(self, tenant_id: str) -> bool: ...
    def ping(self) -> None: ...
