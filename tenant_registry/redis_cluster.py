"""A django-redis client class for Redis Cluster (django-redis has none).

``CACHES[alias]["OPTIONS"]["CLIENT_CLASS"] = "tenant_registry.redis_cluster.ClusterClient"`` with
``LOCATION`` naming one or more nodes of the cluster. Django's cache calls then go through
redis-py's cluster client, and the registry uses the cluster the same way. The alias's
``PASSWORD``, ``USERNAME``, socket timeouts and ``CONNECTION_POOL_KWARGS`` (``ssl_*`` keys) apply
to every node. Calls whose keys may lie on several primaries are split per key (``get_many``)
or sent to every primary (``keys``, ``delete_pattern``, ``clear``).
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import RedisClusterException, RedisError

_clusters: dict[tuple[str, ...], RedisCluster] = {}  # one per set of nodes: it holds a pool per node
_lock = threading.Lock()


class ClusterClient(DefaultClient):  # type: ignore[misc]  # django-redis's client is untyped here
    def connect(self, index: int = 0) -> RedisCluster:
        """One cluster client for all the alias's ``LOCATION`` URLs (any node will do to start)."""
        url, nodes, params = self.cluster_arguments()
        key = (url, *(f"{node.host}:{node.port}" for node in nodes))
        with _lock:
            if key not in _clusters:
                try:
                    _clusters[key] = RedisCluster.from_url(url, startup_nodes=nodes, **params)
                except RedisClusterException as exc:  # as django-redis reports a server that does not answer
                    raise ConnectionInterrupted(connection=None) from exc
            return _clusters[key]

    def cluster_arguments(self) -> tuple[str, list[ClusterNode], dict[str, Any]]:
        """The first ``LOCATION``, the nodes of the others, and the client's keyword arguments."""
        factory = self.connection_factory
        params = factory.make_connection_params(self._server[0])
        params.pop("url")
        params.update(factory.pool_cls_kwargs)
        others = [urlsplit(url) for url in self._server[1:]]
        return self._server[0], [_node(parts.hostname, parts.port) for parts in others], params

    def get_many(self, keys: Collection[str], version: int | None = None, client: Any = None) -> dict[Any, Any]:
        if client is None:
            client = self.get_client(write=False)
        if not keys:
            return {}
        by_key = {self.make_key(key, version=version): key for key in keys}
        try:
            values = client.mget_nonatomic(list(by_key))
        except (RedisError, RedisClusterException) as exc:
            raise ConnectionInterrupted(connection=client) from exc
        return {by_key[k]: self.decode(v) for k, v in zip(by_key, values, strict=True) if v is not None}

    def keys(self, search: str, version: int | None = None, client: Any = None) -> list[Any]:
        """Every primary's keys (KEYS on a cluster asks one node only)."""
        return list(self.iter_keys(search, version=version, client=client))


def _node(host: str | None, port: int | None) -> ClusterNode:
    return ClusterNode(host or "127.0.0.1", port or 6379)
