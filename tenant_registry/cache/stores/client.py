"""Our redis-py client for a cache alias: the alias's own credentials, TLS and topology, our timeouts.

django-redis (its connection factory and client class: ``PASSWORD``, ``CONNECTION_POOL_KWARGS``,
``SentinelClient`` with ``SENTINELS``) and Django's built-in ``RedisCache`` (its ``OPTIONS``; the
first ``LOCATION`` is the primary) each build their client as configured; we take the primary's
pool from it and open a pool of our own with the same connection settings, short socket
timeouts and no retries, so a slow Redis costs one timeout, not the alias's.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from typing import Any

import redis
from django.core.cache import caches
from django_redis import get_redis_connection
from redis.backoff import NoBackoff
from redis.exceptions import ClusterCrossSlotError, MovedError, RedisClusterException
from redis.retry import Retry
from redis.sentinel import MasterNotFoundError, Sentinel, SentinelConnectionPool

from ...redis_cluster import ClusterClient
from .cluster import LazyCluster
from .connection import ERRORS

DJANGO_REDIS = "django_redis.cache.RedisCache"
CLUSTER_CLIENT = "tenant_registry.redis_cluster.ClusterClient"


def primary_client(alias: str, backend: str, *, connect_timeout: float, timeout: float) -> redis.Redis | LazyCluster:
    cluster_client = getattr(caches[alias], "client", None) if backend == DJANGO_REDIS else None
    if isinstance(cluster_client, ClusterClient):
        url, nodes, alias_kwargs = cluster_client.cluster_arguments()
        timeouts = {"socket_connect_timeout": connect_timeout, "socket_timeout": timeout}
        return LazyCluster(url, nodes, {**alias_kwargs, **timeouts})
    pool = _alias_client(alias, backend).connection_pool
    kwargs: dict[str, Any] = {
        **{k: v for k, v in pool.connection_kwargs.items() if k != "connection_pool"},
        "socket_connect_timeout": connect_timeout,
        "socket_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }
    ours: redis.ConnectionPool
    if isinstance(pool, SentinelConnectionPool):
        manager = _own_sentinels(pool.sentinel_manager, connect_timeout=connect_timeout, timeout=timeout)
        ours = SentinelConnectionPool(pool.service_name, manager, connection_class=pool.connection_class, **kwargs)
    else:
        ours = redis.ConnectionPool(connection_class=pool.connection_class, **kwargs)
    return redis.Redis(connection_pool=ours)


def _own_sentinels(manager: Sentinel, *, connect_timeout: float, timeout: float) -> Sentinel:
    """The alias's sentinels with our timeouts: a hung sentinel must not hang a read."""
    addresses = [
        (s.connection_pool.connection_kwargs["host"], s.connection_pool.connection_kwargs["port"])
        for s in manager.sentinels
    ]
    timeouts = {"socket_connect_timeout": connect_timeout, "socket_timeout": timeout}
    return Sentinel(
        addresses, manager.min_other_sentinels, {**manager.sentinel_kwargs, **timeouts}, **manager.connection_kwargs
    )


def sentinel_knows_service(client: redis.Redis) -> bool:
    """Whether a sentinel of ``client`` monitors its service (then a missing primary is a failover)."""
    pool = client.connection_pool
    if not isinstance(pool, SentinelConnectionPool):
        return False
    for sentinel in pool.sentinel_manager.sentinels:
        try:
            if sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", pool.service_name) is not None:
                return True
        except ERRORS:
            continue
    return False


def _alias_client(alias: str, backend: str) -> redis.Redis:
    if backend == DJANGO_REDIS:
        client: redis.Redis = get_redis_connection(alias, write=True)
        return client
    builtin: redis.Redis = caches[alias]._cache.get_client(write=True)  # type: ignore[attr-defined]
    return builtin


def describe(client: redis.Redis | LazyCluster) -> str:
    """Where the client connects, without its credentials: ``127.0.0.1:6379/0`` or ``sentinel mymaster``."""
    if isinstance(client, LazyCluster):
        return client.describe()
    pool = client.connection_pool
    if isinstance(pool, SentinelConnectionPool):
        return f"the primary of Sentinel service {pool.service_name!r}"
    kwargs = pool.connection_kwargs
    where = kwargs.get("path") or f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"
    return f"{where}/{kwargs.get('db', 0)}"


def misconfiguration(exc: BaseException, alias: str, client: object = None) -> str | None:
    """What to fix when ``exc`` means the alias's settings are wrong, not that Redis is down.
    With ``client``, a Sentinel service its sentinels know is down, not misnamed."""
    text = f"{type(exc).__name__}: {exc}"
    where = f"CACHES[{alias!r}]"
    if isinstance(exc, ClusterCrossSlotError | MovedError) or str(exc).startswith("MOVED"):
        return f"Redis is a cluster node ({text}): set {where} OPTIONS CLIENT_CLASS to {CLUSTER_CLIENT!r}"
    if isinstance(exc, RedisClusterException) and "not enabled" in str(exc):
        return f"Redis is not a cluster ({text}): remove CLIENT_CLASS {CLUSTER_CLIENT!r} from {where} OPTIONS"
    if isinstance(exc, MasterNotFoundError) and not (
        isinstance(client, redis.Redis) and sentinel_knows_service(client)
    ):
        return (
            f"Sentinel names no primary ({text}): check the service name in {where}['LOCATION'] and OPTIONS SENTINELS"
        )
    if isinstance(exc, redis.AuthenticationError | redis.AuthenticationWrongNumberOfArgsError) or any(
        word in str(exc) for word in ("WRONGPASS", "NOAUTH", "HELLO must be called")
    ):
        return (
            f"Redis refused the credentials ({text}): check {where} OPTIONS PASSWORD or the user:password in LOCATION"
        )
    if _says(exc, "handshake operation timed out"):
        return (
            f"no answer to the TLS handshake ({text}): the server at {where}['LOCATION'] may not serve TLS "
            "(use redis:// for a plain port, rediss:// for its tls-port)"
        )
    if _caused_by(exc, ssl.SSLError):
        return f"the TLS handshake failed ({text}): check {where}['LOCATION'] (rediss://) and the ssl_* keys of OPTIONS"
    if _caused_by(exc, socket.gaierror):
        return (
            f"the host does not resolve ({text}): check {where}['LOCATION']; a Sentinel service name needs "
            "DJANGO_REDIS_CONNECTION_FACTORY and CLIENT_CLASS set for Sentinel"
        )
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it came from."""
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _says(exc: BaseException, words: str) -> bool:
    return any(words in str(seen) for seen in _chain(exc))


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    return any(isinstance(seen, kind) or (kind is ssl.SSLError and "SSL" in str(seen)) for seen in _chain(exc))
