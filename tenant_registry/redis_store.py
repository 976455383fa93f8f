"""The Redis tier: raw redis-py on the cache alias's server, JSON bytes, atomic guarded fills.

Keys, under one namespace ``N`` (the alias's KEY_PREFIX, then ours): ``N c:<id>`` holds an
entry, ``N g:<id>`` the tenant's generation token, ``N epoch`` the namespace's, ``N l:<id>``
the short lock of the process loading a missing entry. A fill is written only if both tokens
are still the ones read before the database was, so a reader that fetched a row before a
commit can never put it back after the invalidation. Every invalidation is published on the
channel ``N events`` once its keys are gone (see pubsub.py).

The read path (GET, claim, fill) talks to a connection of its own per thread: the client's
command layer and pool (retries we disable anyway, instrumentation) cost about 60 us of CPU
a call, as much as the loopback round trip.
"""

from __future__ import annotations

import os
import secrets as _random
import threading
from collections.abc import Iterable
from typing import Any, cast

import redis
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.exceptions import NoScriptError, ResponseError
from redis.retry import Retry

from .ids import ID_RE

GEN_TTL_MS = 7 * 24 * 3600 * 1000
SCAN_COUNT = 1000
UNLINK_PIPELINE = 16
_FILL = """
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4], 'NX')
return 1
"""
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_CLAIM = """
local found = redis.call('GET', KEYS[4])
if found then return {'', '', 0, found} end
local locked = redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2], 'NX') and 1 or 0
return {redis.call('GET', KEYS[1]) or '', redis.call('GET', KEYS[2]) or '', locked, ''}
"""
_FILL_AND_RELEASE = (
    """
if redis.call('GET', KEYS[4]) == ARGV[5] then redis.call('DEL', KEYS[4]) end
"""
    + _FILL
)
ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, OSError)


def new_token() -> str:
    return _random.token_hex(8)


def pubsub_message(tokens: dict[str, str] | None, epoch: str = "") -> str:
    """``id=token`` for each tenant (its new generation token) separated by spaces, or ``*=epoch``
    for every tenant."""
    if tokens is None:
        return f"*={epoch}"
    return " ".join(f"{tenant_id}={token}" for tenant_id, token in sorted(tokens.items()))


def escape_glob(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\^-" else ch for ch in text)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _closed(connection: Any) -> bool:
    """Nothing is due between our commands, so a readable socket was closed by the server
    (a restart, an idle timeout); the next command reconnects instead of failing."""
    try:
        return bool(connection.can_read())
    except ERRORS:
        return True


def _is_id(raw: bytes) -> bool:
    return ID_RE.fullmatch(raw.decode(errors="replace")) is not None


class RedisStore:
    backend = "redis"

    def __init__(self, location: str, namespace: str, *, connect_timeout: float, timeout: float, **extra: Any) -> None:
        self.client = redis.Redis.from_url(
            location,
            socket_connect_timeout=connect_timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
            **extra,
        )
        self.ns = namespace
        self._fill = self.client.register_script(_FILL)
        self._unlock = self.client.register_script(_UNLOCK)
        self._claim = self.client.register_script(_CLAIM)
        self._fill_and_release = self.client.register_script(_FILL_AND_RELEASE)
        self._scripts = (self._fill, self._unlock, self._claim, self._fill_and_release)
        self._local = threading.local()

    def entry_key(self, tenant_id: str) -> str:
        return f"{self.ns}c:{tenant_id}"

    def gen_key(self, tenant_id: str) -> str:
        return f"{self.ns}g:{tenant_id}"

    def lock_key(self, tenant_id: str) -> str:
        return f"{self.ns}l:{tenant_id}"

    @property
    def epoch_key(self) -> str:
        return f"{self.ns}epoch"

    @property
    def channel(self) -> str:
        return f"{self.ns}events"

    def _send(self, commands: list[tuple[Any, ...]], answers: int) -> list[Any]:
        """Send ``commands`` in one write on this thread's connection and read ``answers`` replies;
        the first error answer is raised once all are read, so the connection stays in step. A
        connection that fails mid-way is dropped, not reused."""
        connection = self._connection()
        replies: list[Any] = []
        refused: ResponseError | None = None
        try:
            connection.send_packed_command([b"".join(connection.pack_commands(commands))])
            for _ in range(answers):
                try:
                    replies.append(connection.read_response())
                except ResponseError as exc:
                    refused = refused or exc
                    replies.append(None)
        except BaseException:
            connection.disconnect()
            raise
        if refused is not None:
            raise refused
        return replies

    def _connection(self) -> Any:  # redis-py leaves its connection methods untyped
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.pid != os.getpid():  # a forked child opens its own
            pool = self.client.connection_pool
            connection = self._local.connection = pool.connection_class(**pool.connection_kwargs)
        elif connection._sock is not None and _closed(connection):
            connection.disconnect()
        return connection

    def _call(self, *args: Any) -> Any:
        return self._send([args], 1)[0]

    def _run(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        try:
            return self._call("EVALSHA", script.sha, len(keys), *keys, *args)
        except NoScriptError:  # a restarted or flushed server lost them all
            for each in self._scripts:
                self._call("SCRIPT", "LOAD", each.script)
            return self._call("EVALSHA", script.sha, len(keys), *keys, *args)

    def get(self, tenant_id: str) -> bytes | None:
        return cast("bytes | None", self._call("GET", self.entry_key(tenant_id)))

    def tokens(self, tenant_id: str) -> tuple[str, str]:
        gen, epoch = cast("list[bytes | None]", self._call("MGET", self.gen_key(tenant_id), self.epoch_key))
        return (gen or b"").decode(), (epoch or b"").decode()

    def fill(self, tenant_id: str, tokens: tuple[str, str], value: bytes, ttl: float) -> bool:
        """Add the entry if the tokens are still current; whether they were (an entry already
        there was filled under the same tokens)."""
        keys = [self.gen_key(tenant_id), self.epoch_key, self.entry_key(tenant_id)]
        return bool(self._run(self._fill, keys, [tokens[0], tokens[1], value, _ms(ttl)]))

    def claim(self, tenant_id: str, owner: str, ttl_ms: int) -> tuple[tuple[str, str], bool, bytes | None]:
        """In one round trip: the fill tokens, whether ``owner`` now holds the tenant's load lock,
        and the entry if another reader filled it since this one missed (then no lock is taken)."""
        keys = [self.gen_key(tenant_id), self.epoch_key, self.lock_key(tenant_id), self.entry_key(tenant_id)]
        gen, epoch, locked, found = self._run(self._claim, keys, [owner, ttl_ms])
        return (gen.decode(), epoch.decode()), bool(locked), found or None

    def fill_and_release(self, tenant_id: str, tokens: tuple[str, str], value: bytes, ttl: float, owner: str) -> bool:
        """:meth:`fill`, releasing ``owner``'s load lock in the same round trip."""
        keys, args = self._fill_and_release_command(tenant_id, tokens, value, ttl, owner)
        return bool(self._run(self._fill_and_release, keys, args))

    def _fill_and_release_command(
        self, tenant_id: str, tokens: tuple[str, str], value: bytes, ttl: float, owner: str
    ) -> tuple[list[str], list[bytes | str | int]]:
        keys = [self.gen_key(tenant_id), self.epoch_key, self.entry_key(tenant_id), self.lock_key(tenant_id)]
        return keys, [tokens[0], tokens[1], value, _ms(ttl), owner]

    def release(self, tenant_id: str, owner: str) -> None:
        self._run(self._unlock, [self.lock_key(tenant_id)], [owner])

    def peek(self, tenant_id: str) -> tuple[bytes | None, bool]:
        """The entry, and whether the load lock is still held."""
        raw, locked = self._send([("GET", self.entry_key(tenant_id)), ("EXISTS", self.lock_key(tenant_id))], 2)
        return raw, bool(locked)

    def invalidate(self, tenant_ids: Iterable[str]) -> None:
        tokens = {tenant_id: new_token() for tenant_id in tenant_ids}
        pipe = self.client.pipeline(transaction=False)
        for tenant_id, token in tokens.items():
            pipe.set(self.gen_key(tenant_id), token, px=GEN_TTL_MS)
            pipe.unlink(self.entry_key(tenant_id))
        pipe.publish(self.channel, pubsub_message(tokens))
        pipe.execute()

    def invalidate_all(self, known_ids: Iterable[str]) -> int:
        epoch = new_token()
        self.client.set(self.epoch_key, epoch, px=GEN_TTL_MS)
        removed = 0
        pipe = self.client.pipeline(transaction=False)
        for batch in self._scan_batches():
            pipe.unlink(*batch)
            if len(pipe) >= UNLINK_PIPELINE:
                removed += sum(pipe.execute())
        pipe.publish(self.channel, pubsub_message(None, epoch))
        removed += sum(pipe.execute()[:-1])
        return int(removed)

    def _scan_batches(self) -> Iterable[list[bytes]]:
        """Our entry keys only: another app whose namespace starts with ours (``x:`` and ``x:c:``)
        matches the pattern too, but the rest of its keys is never a valid id."""
        prefix = f"{self.ns}c:".encode()
        pattern = escape_glob(self.ns) + "c:*"
        cursor = 0
        while True:
            cursor, keys = cast("tuple[int, list[bytes]]", self.client.scan(cursor, match=pattern, count=SCAN_COUNT))
            ours = [k for k in keys if k.startswith(prefix) and _is_id(k[len(prefix) :])]
            if ours:
                yield ours
            if cursor == 0:
                return

    def count(self, known_ids: Iterable[str]) -> int | None:
        return sum(len(batch) for batch in self._scan_batches())

    def contains(self, tenant_id: str) -> bool:
        return bool(self._call("EXISTS", self.entry_key(tenant_id)))

    def ping(self) -> None:
        self.client.ping()
