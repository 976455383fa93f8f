"""Fixtures of the scale tests: each starts its servers on free loopback ports and stops them by PID."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django_redis.pool import ConnectionFactory

from ..services import database_url
from . import cluster_topology, pg_topology, redis_topology
from .app_servers import REPO, AppServer, start_app
from .procs import Group, TopologyError
from .registry_worker import Worker, worker_pair

DATABASE = "registry"


@pytest.fixture(autouse=True)
def fresh_django_redis_pools() -> Iterator[None]:
    """django-redis keeps one pool per LOCATION for the process; tests reuse a LOCATION with other
    credentials or another topology behind it."""
    ConnectionFactory._pools.clear()
    yield
    ConnectionFactory._pools.clear()


@pytest.fixture(scope="session")
def password_redis() -> Iterator[redis_topology.PasswordRedis]:
    group = Group("password")
    try:
        yield redis_topology.start_password(group)
    finally:
        group.close()


@pytest.fixture(scope="session")
def tls_redis() -> Iterator[redis_topology.TlsRedis]:
    group = Group("tls")
    try:
        yield redis_topology.start_tls(group)
    finally:
        group.close()


@pytest.fixture
def sentinel() -> Iterator[redis_topology.Sentinel]:
    """Function-scoped: a test may kill its primary."""
    group = Group("sentinel")
    try:
        yield redis_topology.start_sentinel(group)
    finally:
        group.close()


@pytest.fixture
def cluster() -> Iterator[cluster_topology.Cluster]:
    group = Group("cluster")
    try:
        yield cluster_topology.start_cluster(group)
    finally:
        group.close()


@pytest.fixture
def on_cluster(settings: Any, cluster: cluster_topology.Cluster) -> cluster_topology.Cluster:
    settings.CACHES = cluster_topology.cluster_caches(cluster)
    return cluster


@pytest.fixture
def cluster_workers(on_cluster: cluster_topology.Cluster, settings: Any) -> Iterator[tuple[Worker, Worker]]:
    """Two Django processes on the same database and cluster, each with its in-process tier."""
    registry = {k: str(v) if isinstance(v, Path) else v for k, v in settings.TENANT_REGISTRY.items()}
    env = {
        "DATABASE_URL": database_url(settings.DATABASES["default"]["NAME"]),
        "TR_CACHES": json.dumps(cluster_topology.cluster_caches(on_cluster)),
        "TR_SETTINGS": json.dumps({**registry, "L1_ENABLED": True}),
    }
    with worker_pair(env) as pair:
        yield pair


@pytest.fixture(scope="module")
def replicated() -> Iterator[pg_topology.Replicated]:
    """A primary and its delayed replica holding a migrated database ``registry``."""
    group = Group("postgres", owner=pg_topology.USER)
    try:
        pair = pg_topology.start_replicated(group)
        pair.create_database(DATABASE)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.deploy_settings"}
        env["DATABASE_URL"] = pair.primary.url(DATABASE)
        done = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if done.returncode != 0:
            raise TopologyError(f"migrate on the test primary failed:\n{done.stdout}{done.stderr}")
        pair.wait_caught_up()
        yield pair
    finally:
        group.close()


def registry_env(settings: Any, **extra: str) -> dict[str, str]:
    """What a server process needs to share this test's database, Redis and key prefix."""
    registry = {k: str(v) if isinstance(v, Path) else v for k, v in settings.TENANT_REGISTRY.items()}
    return {
        "DATABASE_URL": database_url(settings.DATABASES["default"]["NAME"]),
        "REDIS_URL": os.environ["REDIS_URL"],
        "TR_SETTINGS": json.dumps(registry),
        **extra,
    }


@pytest.fixture
def pooler(settings: Any) -> Iterator[Callable[..., pg_topology.Server]]:
    """Starts PgBouncer (transaction mode) in front of the test database's server: ``pooler(servers=1,
    round_robin=False)``."""
    group = Group("pgbouncer", owner=pg_topology.USER)
    upstream = int(settings.DATABASES["default"]["PORT"] or 5432)
    try:
        yield lambda **options: pg_topology.start_pooler(group, upstream, **options)
    finally:
        group.close()


@pytest.fixture(params=["gunicorn", "gunicorn-preload", "uvicorn"])
def app_server(request: pytest.FixtureRequest, transactional_db: None, settings: Any) -> Iterator[AppServer]:
    """The demo project under each application server, on this test's (committed) database."""
    group = Group("app")
    try:
        yield start_app(group, request.param, registry_env(settings, CONN_MAX_AGE="60"))
    finally:
        group.close()


@pytest.fixture
def observed_server(transactional_db: None, settings: Any) -> Iterator[Callable[..., AppServer]]:
    """Starts gunicorn (2 workers) serving tests/scale/observed on this test's database and key prefix:
    ``observed_server(kind="gunicorn-preload", TR_SETTINGS=..., PROMETHEUS_MULTIPROC_DIR=...)`` (env on top of
    ``registry_env``)."""
    group = Group("observed")
    base = {**registry_env(settings), "DJANGO_SETTINGS_MODULE": "tests.scale.observed.settings"}
    try:
        yield lambda kind="gunicorn", **env: start_app(group, kind, {**base, **env})
    finally:
        group.close()
