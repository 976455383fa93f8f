"""The protocol every shared store speaks, and the one key scheme they share.

Under one namespace ``N`` (the cache alias's KEY_PREFIX, then ours): ``N c:<id>`` holds an
entry, ``N g:<id>`` the tenant's guard token, ``N epoch`` the namespace's, ``N l:<id>`` the
short lock of the process loading a missing entry, ``N events`` is the invalidation channel
and ``N ack:<id>`` the list an invalidation's subscribers acknowledge it on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, Protocol

from ..guard import Guard

GUARD_TTL_MS = 7 * 24 * 3600 * 1000  # a tenant's token outlives any entry filled under it


class Keys:
    def __init__(self, namespace: str) -> None:
        self.ns = namespace
        self.epoch = f"{namespace}epoch"
        self.channel = f"{namespace}events"

    def entry(self, tenant_id: str) -> str:
        return f"{self.ns}c:{tenant_id}"

    def token(self, tenant_id: str) -> str:
        return f"{self.ns}g:{tenant_id}"

    def lock(self, tenant_id: str) -> str:
        return f"{self.ns}l:{tenant_id}"

    def ack(self, ack_id: str) -> str:
        return f"{self.ns}ack:{ack_id}"


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
    def invalidate(self, tenant_ids: Iterable[str], lease: float) -> None: ...
    def invalidate_all(self, known_ids: Iterable[str], lease: float) -> int: ...
    def count(self, known_ids: Iterable[str]) -> int | None: ...
    def contains(self, tenant_id: str) -> bool: ...
    def ping(self) -> None: ...
