"""Redis Cluster: the store's calls through redis-py's cluster client, and where the channel lives.

redis-py routes each command to the primary of its key's slot and follows MOVED and ASK. A
tenant's keys and its bucket's epoch share a hash tag (:mod:`.base`), so every script touches
one slot; while a resharding has half of a slot's keys on each primary, a command on several of
them is told TRYAGAIN until redis-py gives up, which we raise as :class:`~.base.SlotMoving`. A
multi-key UNLINK or MSET is split into one command per key, since the keys may sit on different
primaries; publishes run after the rest, so a subscriber that hears a message finds
the keys it names already changed. The channel is a shard channel (SPUBLISH, Redis 7): its
subscribers all listen on the primary of its slot, so a publish counts every one of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import ClusterError, NoScriptError
from redis.retry import Retry

from .base import SlotMoving
from .connection import script

PUBLISH = "SPUBLISH"
SPLIT = {"UNLINK": 1, "MSET": 2}  # multi-key commands sent key by key: how many arguments per key
ONE_SLOT = ("MGET",)  # sent whole: several keys of one slot


class LazyCluster:
    """Our cluster client, with the alias's nodes and credentials, our timeouts and no retries. It
    connects on first use: a cluster that does not answer at start is an outage like any other."""

    def __init__(self, url: str, nodes: list[ClusterNode], kwargs: dict[str, Any]) -> None:
        self.url, self.nodes, self.kwargs = url, nodes, kwargs
        self._cluster: RedisCluster | None = None
        self._lock = threading.Lock()

    def get(self) -> RedisCluster:
        with self._lock:
            if self._cluster is None:
                retry = Retry(NoBackoff(), 0)
                self._cluster = RedisCluster.from_url(
                    self.url, startup_nodes=list(self.nodes), retry=retry, **self.kwargs
                )
            return self._cluster

    def ping(self) -> Any:
        return self.get().ping()

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.close()

    def describe(self) -> str:
        nodes = [self.url.rsplit("@", 1)[-1].split("//", 1)[-1].split("/", 1)[0]]
        nodes += [f"{node.host}:{node.port}" for node in self.nodes]
        return f"the Redis Cluster of {', '.join(nodes)}"


def channel_client(client: RedisCluster, channel: str, *, refresh: bool) -> redis.Redis:
    """A plain client on the primary that serves ``channel``'s slot, after asking the cluster
    again for its slots when ``refresh`` (a failover or a resharding may have moved it)."""
    if refresh:
        client.nodes_manager.initialize()
    node = client.get_node_from_key(channel)
    return redis.Redis(host=node.host, port=node.port, **client.nodes_manager.connection_kwargs)


class ClusterWire:
    """What :class:`~.connection.Wire` offers, on a cluster."""

    def __init__(self, cluster: LazyCluster, scripts: tuple[str, ...]) -> None:
        self.cluster = cluster
        self.scripts = scripts

    @property
    def client(self) -> RedisCluster:
        return self.cluster.get()

    def call(self, *args: Any) -> Any:
        if args[0] in SPLIT:
            return self.send([args])[0]
        try:
            return self.client.execute_command(*args)
        except ClusterError as exc:
            if args[0] in ONE_SLOT and _slot_moving(exc):
                raise SlotMoving(f"{args[0]}: {exc}") from exc
            raise

    def send(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Every command's reply in order, the first error raised once all have run."""
        parts: list[tuple[int, tuple[Any, ...]]] = []
        for index, command in enumerate(commands):
            if command[0] != PUBLISH:
                parts.extend((index, part) for part in _split(command))
        replies: list[Any] = [0 if command[0] == "UNLINK" else None for command in commands]
        errors: list[BaseException] = []
        if parts:
            pipe = self.client.pipeline()
            for _, part in parts:
                pipe.execute_command(*part)
            for (index, part), reply in zip(parts, pipe.execute(raise_on_error=False), strict=True):
                _merge(replies, index, part, reply, errors)
        for index, command in enumerate(commands):
            if command[0] == PUBLISH:
                replies[index] = self.client.execute_command(*command)
        if errors:
            raise errors[0]
        return replies

    def run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        evalsha: Callable[[], Any] = lambda: self.client.evalsha(script(name)[1], len(keys), *keys, *args)  # noqa: E731
        try:
            try:
                return evalsha()
            except NoScriptError:  # a new or restarted primary: load them on every primary
                for each in self.scripts:
                    self.client.script_load(script(each)[0])
                return evalsha()
        except ClusterError as exc:
            if _slot_moving(exc):
                raise SlotMoving(f"script {name}: {exc}") from exc
            raise


def _slot_moving(exc: ClusterError) -> bool:
    """redis-py's own "TTL exhausted": told TRYAGAIN (or redirected) every time; not its
    subclasses (CLUSTERDOWN, MASTERDOWN), which are outages for the breaker."""
    return type(exc) is ClusterError


def _split(command: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    step = SPLIT.get(command[0])
    if step is None:
        return [command]
    verb = "SET" if command[0] == "MSET" else command[0]
    rest = command[1:]
    return [(verb, *rest[at : at + step]) for at in range(0, len(rest), step)]


def _merge(replies: list[Any], index: int, part: tuple[Any, ...], reply: Any, errors: list[BaseException]) -> None:
    if isinstance(reply, BaseException):
        errors.append(reply)
    elif part[0] == "UNLINK":
        replies[index] += reply
    else:
        replies[index] = reply
