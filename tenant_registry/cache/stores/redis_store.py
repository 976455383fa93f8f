"""The Redis store: raw redis-py on the cache alias's server or cluster, JSON bytes, guarded fills in Lua.

An invalidation replaces the tenant's token, removes its entry and publishes the change on the
channel in one round trip; then it waits until every subscriber that received the message has
acknowledged it (their in-process tiers dropped the entry) or until the lease ran out. Keys and
channel are those of :class:`~.base.Keys`; messages are encoded by the channel (``encode``).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable
from itertools import chain, islice
from typing import Any, cast

import redis

from ...ids import ID_RE
from ..changes import Changes
from ..guard import Guard, new_token
from . import cluster
from .base import GUARD_TTL_MS, HOST_PREFIX, Claim, Keys
from .connection import ERRORS, Wire

SCAN_COUNT = 1000
ID_BYTES = re.compile(ID_RE.pattern.encode())
HOST_BYTES = re.compile(re.escape(HOST_PREFIX.encode()) + rb"[a-z0-9*.:\[\]-]{1,260}")
UNLINK_BATCHES = 16
SCRIPTS = ("fill", "claim", "release")
# (ack id, tokens or None for all, epoch, what the writer knows of each change)
Encode = Callable[[str, "dict[str, str] | None", str, "Changes | None"], str]


def escape_glob(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\^-" else ch for ch in text)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class RedisStore:
    backend = "redis"

    def __init__(
        self, client: redis.Redis | cluster.LazyCluster, namespace: str, encode: Encode, *, timeout: float
    ) -> None:
        self.client = client  # from stores.client: the alias's settings, our timeouts
        self.keys = Keys(namespace)
        self.encode = encode
        self.ack_step = max(0.001, timeout / 2)
        self.sharded = isinstance(client, cluster.LazyCluster)  # a cluster: shard channel, commands routed by slot
        self.wire: Wire | cluster.ClusterWire
        if isinstance(client, cluster.LazyCluster):
            self.wire, self.publish = cluster.ClusterWire(client, SCRIPTS), cluster.PUBLISH
        else:
            self.wire, self.publish = Wire(client, SCRIPTS), "PUBLISH"

    def channel_client(self, *, refresh: bool) -> redis.Redis:
        """Where the subscriber listens: the server itself, or the primary of the channel's slot."""
        if isinstance(self.client, cluster.LazyCluster):
            return cluster.channel_client(self.client.get(), self.keys.channel, refresh=refresh)
        return self.client

    def known_epoch(self) -> str:
        """The epoch the subscriber starts from; later ones come as messages."""
        found = self.wire.call("GET", self.keys.bucket_epoch(0))
        return found.decode() if isinstance(found, bytes) else ""

    def acknowledge(self, ack: str, ttl_ms: int) -> None:
        self.wire.send([("RPUSH", self.keys.ack(ack), 1), ("PEXPIRE", self.keys.ack(ack), ttl_ms)])

    def get(self, tenant_id: str) -> bytes | None:
        return cast("bytes | None", self.wire.call("GET", self.keys.entry(tenant_id)))

    def guard(self, tenant_id: str) -> Guard:
        found = self.wire.call("MGET", self.keys.token(tenant_id), self.keys.epoch(tenant_id))
        token, epoch = cast("list[bytes | None]", found)
        return Guard((token or b"").decode(), (epoch or b"").decode())

    def fill(self, tenant_id: str, guard: Guard, value: bytes, ttl: float, owner: str | None = None) -> bool:
        """Add the entry if ``guard`` is still current, releasing ``owner``'s load lock in the same
        round trip; whether it was (an entry already there was filled under the same guard)."""
        k = self.keys
        keys = [k.token(tenant_id), k.epoch(tenant_id), k.entry(tenant_id), k.lock(tenant_id)]
        return bool(self.wire.run("fill", keys, [guard.token, guard.epoch, value, _ms(ttl), owner or ""]))

    def claim(self, tenant_id: str, owner: str, ttl_ms: int) -> Claim:
        k = self.keys
        keys = [k.token(tenant_id), k.epoch(tenant_id), k.lock(tenant_id), k.entry(tenant_id)]
        token, epoch, locked, found = self.wire.run("claim", keys, [owner, ttl_ms])
        return Claim(Guard(token.decode(), epoch.decode()), bool(locked), found or None)

    def release(self, tenant_id: str, owner: str) -> None:
        self.wire.run("release", [self.keys.lock(tenant_id)], [owner])

    def peek(self, tenant_id: str) -> tuple[bytes | None, bool]:
        """The entry, and whether the load lock is still held."""
        raw, locked = self.wire.send([("GET", self.keys.entry(tenant_id)), ("EXISTS", self.keys.lock(tenant_id))])
        return raw, bool(locked)

    def invalidate(self, tenant_ids: Iterable[str], lease: float, changes: Changes | None = None) -> None:
        tokens = {tenant_id: new_token() for tenant_id in tenant_ids}
        ack = uuid.uuid4().hex
        commands: list[tuple[Any, ...]] = []
        for tenant_id, token in tokens.items():
            commands.append(("SET", self.keys.token(tenant_id), token, "PX", GUARD_TTL_MS))
            commands.append(("UNLINK", self.keys.entry(tenant_id)))
        commands.append((self.publish, self.keys.channel, self.encode(ack, tokens, "", changes)))
        self._await_acks(ack, self.wire.send(commands)[-1], lease)

    def invalidate_all(self, known_ids: Iterable[str], lease: float) -> int:
        epoch, ack = new_token(), uuid.uuid4().hex
        self.wire.call("MSET", *chain.from_iterable((key, epoch) for key in self.keys.epochs()))
        removed = 0
        batch: list[tuple[Any, ...]] = []
        for keys in self._scan_batches(hosts=True):
            batch.append(("UNLINK", *keys))
            if len(batch) >= UNLINK_BATCHES:
                removed += sum(self.wire.send(batch))
                batch = []
        replies = self.wire.send([*batch, (self.publish, self.keys.channel, self.encode(ack, None, epoch, None))])
        removed += sum(replies[:-1])
        self._await_acks(ack, replies[-1], lease)
        return int(removed)

    def _await_acks(self, ack: str, receivers: int, lease: float) -> None:
        """Until ``receivers`` subscribers acknowledged ``ack``, or ``lease`` seconds passed: by
        then a subscriber that has not applied the message no longer trusts its tier. If Redis
        fails meanwhile the message was still sent, so the rest of the lease is waited out here."""
        deadline = time.monotonic() + lease
        key = self.keys.ack(ack)
        try:
            while receivers > 0 and (left := deadline - time.monotonic()) > 0:
                wait = min(left, self.ack_step)  # each wait well within the socket timeout
                if self.wire.call("BLPOP", key, f"{max(wait, 0.001):.3f}") is None:
                    continue
                receivers -= 1
                if receivers > 0:  # acks that came together are taken in the same round trip
                    receivers -= len(self.wire.call("LPOP", key, receivers) or ())
        except ERRORS:
            time.sleep(max(0.0, deadline - time.monotonic()))

    def _scan_batches(self, *, hosts: bool = False) -> Iterable[list[bytes]]:
        """Our entry keys only (with ``hosts``, host lookups' too), on every primary: another app whose
        namespace starts with ours (``x:`` and ``x:c:``) matches the pattern too, but its keys never parse as ours."""
        client = self.client.get() if isinstance(self.client, cluster.LazyCluster) else self.client
        found = client.scan_iter(match=escape_glob(self.keys.ns) + "c:*", count=SCAN_COUNT)
        while batch := list(islice(found, SCAN_COUNT)):
            ours = [key for key in batch if self._is_entry(key, hosts)]
            if ours:
                yield ours

    def _is_entry(self, key: bytes, hosts: bool) -> bool:
        tail = self.keys.entry_tail(key)
        if tail is None:
            return False
        return ID_BYTES.fullmatch(tail) is not None or (hosts and HOST_BYTES.fullmatch(tail) is not None)

    def count(self, known_ids: Iterable[str]) -> int | None:
        return sum(len(batch) for batch in self._scan_batches())

    def contains(self, tenant_id: str) -> bool:
        return bool(self.wire.call("EXISTS", self.keys.entry(tenant_id)))

    def ping(self) -> None:
        self.wire.call("PING")
