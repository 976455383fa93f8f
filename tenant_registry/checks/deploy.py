"""System checks that connect to the services, run by ``manage.py check --deploy``. Ids are
documented in the README under "System checks"."""

from __future__ import annotations

from typing import Any

import redis
from django.conf import settings
from django.core.checks import CheckMessage, Error
from redis.exceptions import ClusterCrossSlotError

from .. import conf
from ..cache.state import REDIS_BACKENDS
from ..cache.stores.client import describe, misconfiguration, primary_client
from ..cache.stores.cluster import LazyCluster
from .guards import after_e001


@after_e001
def check_cache_connection(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E006: the cache alias's Redis, reached once the way the registry reaches it, answers."""
    alias = conf.get_settings().CACHE_ALIAS
    options = settings.CACHES.get(alias)
    if options is None or options["BACKEND"] not in REDIS_BACKENDS:
        return []
    where = f"cache {alias!r}"
    client: redis.Redis | LazyCluster | None = None
    try:
        client = primary_client(
            alias, str(options["BACKEND"]), connect_timeout=conf.get_settings().SOCKET_CONNECT_TIMEOUT, timeout=1.0
        )
        where = f"cache {alias!r} ({describe(client)})"
        client.ping()
        info: Any = client.info("cluster") if isinstance(client, redis.Redis) else {}  # typed per redis-py release
        if info.get("cluster_enabled") == 1:
            raise ClusterCrossSlotError("the server is a node of a Redis Cluster")
    except Exception as exc:  # noqa: BLE001 - every failure is the finding of this check
        problem = misconfiguration(exc, alias, client) or f"{type(exc).__name__}: {exc}"
        return [
            Error(
                f"The tenant registry cannot use {where}: {problem.rstrip('.')}.",
                hint="Without it every read goes to the database and other processes see saves only after a read.",
                id="tenant_registry.E006",
            )
        ]
    client.close()
    return []
