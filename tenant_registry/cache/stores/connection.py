"""The read path's own redis-py connection per thread, and Lua scripts loaded once by name.

The client's command layer and pool (retries we disable anyway, instrumentation) cost about
60 us of CPU a call, as much as the loopback round trip, so GET, claim, fill and the ack wait
write packed commands on a plain connection of their own.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from pathlib import Path
from typing import Any

import redis
from redis.exceptions import NoScriptError, RedisClusterException, ResponseError

LUA = Path(__file__).with_name("lua")
ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, RedisClusterException, OSError)


@cache
def script(name: str) -> tuple[str, str]:
    """The text of ``lua/<name>.lua`` and its SHA1, read once."""
    from hashlib import sha1

    text = (LUA / f"{name}.lua").read_text()
    return text, sha1(text.encode(), usedforsecurity=False).hexdigest()


def _closed(connection: Any) -> bool:
    """Nothing is due between our commands, so a readable socket was closed by the server
    (a restart, an idle timeout); the next command reconnects instead of failing."""
    try:
        return bool(connection.can_read())
    except ERRORS:
        return True


class Wire:
    """Packed commands on this thread's connection to ``client``'s server."""

    def __init__(self, client: redis.Redis, scripts: tuple[str, ...]) -> None:
        self.client = client
        self.scripts = scripts
        self._local = threading.local()

    def send(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Send ``commands`` in one write and read every reply; the first error answer is raised
        once all are read, so the connection stays in step. A connection that fails mid-way is
        dropped, not reused."""
        connection = self._connection()
        replies: list[Any] = []
        refused: ResponseError | None = None
        try:
            connection.send_packed_command([b"".join(connection.pack_commands(commands))])
            for _ in commands:
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

    def call(self, *args: Any) -> Any:
        return self.send([args])[0]

    def run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        try:
            return self.call("EVALSHA", script(name)[1], len(keys), *keys, *args)
        except NoScriptError:  # a restarted or flushed server lost them all
            for each in self.scripts:
                self.call("SCRIPT", "LOAD", script(each)[0])
            return self.call("EVALSHA", script(name)[1], len(keys), *keys, *args)

    def _connection(self) -> Any:  # redis-py leaves its connection methods untyped
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.pid != os.getpid():  # a forked child opens its own
            pool = self.client.connection_pool
            connection = self._local.connection = pool.connection_class(**pool.connection_kwargs)
        elif connection._sock is not None and _closed(connection):
            connection.disconnect()
        if connection._sock is None:
            connection.connect()  # as the pool would: a Sentinel-managed connection asks for the primary here
        return connection
