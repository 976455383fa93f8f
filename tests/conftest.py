from __future__ import annotations

import gc
import json
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from django.conf import settings as django_settings

from tenant_registry import cache, conf
from tenant_registry.config_files import tenant_files

from .helpers import REPO, peer_env, start_peer
from .secret_mounts import KubeMount
from .services import START_POSTGRES, START_REDIS, HungServer, RedisServer, SettledRedis, running_redis


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail the whole run, with how to start it, when a required service does not answer."""
    db = django_settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.exit(f"the suite runs on PostgreSQL; DATABASE_URL points at {db['ENGINE']}", returncode=3)
    try:
        psycopg.connect(
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        pytest.exit(f"PostgreSQL is not reachable ({exc}). Start it with: {START_POSTGRES}", returncode=3)
    url = os.environ["REDIS_URL"]
    try:
        redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.exit(f"Redis is not reachable at {url} ({exc}). Start it with: {START_REDIS}", returncode=3)


@pytest.fixture
def key_prefix() -> str:
    return f"trtest-{uuid.uuid4().hex[:12]}:tenant_config:"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A private copy of the repository's configs/ that a test may change."""
    target = tmp_path / "configs"
    shutil.copytree(REPO / "configs", target)
    return target


@pytest.fixture(autouse=True)
def registry_settings(settings: Any, key_prefix: str, config_dir: Path) -> Iterator[dict[str, Any]]:
    """Each test gets its own key namespace and config folder, a closed breaker and nothing owed."""
    settings.TENANT_REGISTRY = {
        **settings.TENANT_REGISTRY,
        "KEY_PREFIX": key_prefix,
        "CONFIG_DIR": config_dir,
        "CACHE_COOLDOWN": 1.0,
    }
    _reset_registry()
    yield settings.TENANT_REGISTRY
    _drop_keys(key_prefix)
    _reset_registry()


def _reset_registry() -> None:
    cache.reset()  # store, tier and channel, breaker, owed invalidations; this process's fills land first
    conf.get_settings.cache_clear()
    tenant_files.clear_parse_cache()


def _drop_keys(prefix: str) -> None:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
    if keys:
        client.unlink(*keys)


@pytest.fixture
def registry_config(settings: Any) -> Callable[..., None]:
    """Change TENANT_REGISTRY keys for one test: ``registry_config(CACHE_TTL=5)``."""

    def change(**values: Any) -> None:
        settings.TENANT_REGISTRY = {**settings.TENANT_REGISTRY, **values}

    return change


@pytest.fixture
def use_cache(settings: Any) -> Callable[[str], None]:
    """Point the default cache at another Redis URL (or "locmem")."""

    def point(url: str) -> None:
        if url == "locmem":
            settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        else:
            settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url}}

    return point


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture
def hung_redis() -> Iterator[HungServer]:
    server = HungServer()
    yield server
    server.close()


@pytest.fixture
def raw_redis() -> redis.Redis:
    return SettledRedis.from_url(os.environ["REDIS_URL"])


@pytest.fixture
def tenant_factory(db: None) -> Callable[..., Any]:
    """Create a Tenant row (in a transactional test when the test asks for one)."""
    from tenant_registry.models import Tenant

    def make(tenant_id: str = "tn_a1b2c3", config: dict[str, Any] | None = None, **fields: Any) -> Tenant:
        return Tenant.objects.create(
            id=tenant_id, config=config if config is not None else {"client": {"name": tenant_id}}, **fields
        )

    return make


class Reader:
    """Another Django process on the same database and cache, answering get_config for ids sent to it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = start_peer("get", env)

    def get_config(self, tenant_id: str) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(tenant_id + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.fixture
def reader_process(transactional_db: None, key_prefix: str, config_dir: Path) -> Iterator[Reader]:
    """A second process reading the same (committed) test database and the same Redis namespace."""
    reader = Reader(peer_env(os.environ["REDIS_URL"], key_prefix, config_dir))
    yield reader
    reader.close()


@pytest.fixture
def own_cache(redis_server: RedisServer, use_cache: Callable[[str], None]) -> RedisServer:
    """The default cache on a redis-server of this test's own, which it may kill or pause."""
    use_cache(redis_server.url)
    return redis_server


@pytest.fixture
def staff_client(db: None, client: Any) -> Callable[..., Any]:
    """A test client logged in as a staff user with the given Tenant permissions: ``staff_client("view")``."""
    from django.contrib.auth.models import Permission, User

    def login(*perms: str, username: str | None = None) -> Any:
        user = User.objects.create_user(username or f"staff-{'-'.join(perms) or 'none'}", password="pw", is_staff=True)
        codenames = [f"{p}_tenant" for p in perms]
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="tenant_registry", codename__in=codenames)
        )
        client.force_login(user)
        client.user = user
        return client

    return login


@pytest.fixture
def secret_dir(tmp_path: Path, registry_config: Callable[..., None]) -> Path:
    """A directory of secret files named like variables, the only SECRET_DIRS entry."""
    directory = tmp_path / "secrets"
    directory.mkdir()
    registry_config(SECRET_DIRS=[str(directory)])
    return directory


@pytest.fixture
def kube_mount(tmp_path: Path, registry_config: Callable[..., None]) -> Callable[[dict[str, str]], KubeMount]:
    """``kube_mount({"KEY": "value"})``: a Kubernetes-style secret volume, the only SECRET_DIRS entry."""

    def mount(values: dict[str, str]) -> KubeMount:
        mounted = KubeMount(tmp_path / "kube-secrets", values)
        registry_config(SECRET_DIRS=[str(mounted.root)])
        return mounted

    return mount


@pytest.fixture
def fernet_keys() -> list[str]:
    """Three fresh Fernet keys."""
    from cryptography.fernet import Fernet

    return [Fernet.generate_key().decode() for _ in range(3)]


@pytest.fixture
def secret_store(registry_config: Callable[..., None], fernet_keys: list[str]) -> Callable[..., None]:
    """The encrypted store on with the first of ``fernet_keys``; ``secret_store(keys)`` sets other keys."""

    def use(keys: list[str]) -> None:
        registry_config(SECRET_STORE="database", SECRET_KEYS_FERNET=keys)

    use(fernet_keys[:1])
    return use


@pytest.fixture
def store_reader(transactional_db: None, key_prefix: str, config_dir: Path, fernet_keys: list[str]) -> Iterator[Reader]:
    """:func:`reader_process` with the encrypted store on, under the first of ``fernet_keys``."""
    reader = Reader(peer_env(os.environ["REDIS_URL"], key_prefix, config_dir, TR_PEER_SECRET_KEYS=fernet_keys[0]))
    yield reader
    reader.close()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup: None) -> Iterator[Any]:
    """A real Celery worker (prefork, concurrency 2) on a redis-server of its own as broker and result
    backend, with Django on the test database; tests/harness/celery_app.py's app sends to it. One per run:
    pytest-django runs transactional tests apart, and Celery's app keeps its first broker."""
    from .harness.celery_app import app, seen
    from .harness.celery_worker import CeleryWorker

    prefix = f"trtest-{uuid.uuid4().hex[:12]}:tenant_config:"
    with running_redis() as broker:
        app.conf.update(broker_url=broker.url, result_backend=broker.url)
        worker = CeleryWorker(broker, peer_env(os.environ["REDIS_URL"], prefix, REPO / "configs"))
        try:
            try:
                seen.delay().get(timeout=60)  # answered once a child is up
            except Exception as exc:
                raise AssertionError(f"the Celery worker did not answer ({exc}):\n{worker.output()}") from exc
            yield worker
        finally:
            gc.collect()  # results caught in a test's traceback unsubscribe from the backend while it answers
            worker.stop()
            _drop_keys(prefix)


@pytest.fixture
def cached_tenant(tenant_factory: Callable[..., Any], own_cache: RedisServer) -> RedisServer:
    """tn_real with its config in this process's in-process tier and in this test's own Redis."""
    from tenant_registry import get_tenant_config

    from .helpers import wait_live

    tenant_factory("tn_real", {"client": {"name": "Real", "tier": "gold"}, "email": {"from": "a@example.com"}})
    wait_live()
    assert get_tenant_config("tn_real")["client"]["name"] == "Real"
    return own_cache


class Heard:
    """What a receiver of tenant_config_changed / tenant_registry_resync was sent, in order."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def changed(self, sender: object, **kwargs: Any) -> None:
        self.calls.append({**kwargs, "thread": threading.current_thread().name})

    def resynced(self, sender: object, **kwargs: Any) -> None:
        self.calls.append({"resync": True})

    def of(self, tenant_id: str | None) -> list[dict[str, Any]]:
        return [c for c in self.calls if not c.get("resync") and c["tenant_id"] == tenant_id]

    def resyncs(self) -> int:
        return sum(1 for c in self.calls if c.get("resync"))


@pytest.fixture
def heard() -> Iterator[Heard]:
    """A receiver of both listener signals, connected for one test."""
    from tenant_registry.signals import tenant_config_changed, tenant_registry_resync

    found = Heard()
    tenant_config_changed.connect(found.changed, dispatch_uid="test-heard")
    tenant_registry_resync.connect(found.resynced, dispatch_uid="test-heard-resync")
    yield found
    tenant_config_changed.disconnect(dispatch_uid="test-heard")
    tenant_registry_resync.disconnect(dispatch_uid="test-heard-resync")


_span_exporter: Any = None


@pytest.fixture
def spans() -> Iterator[Any]:
    """The OpenTelemetry SDK's in-memory exporter behind the global tracer provider (set once per run)."""
    global _span_exporter
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    if _span_exporter is None:
        _span_exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_span_exporter))
        trace.set_tracer_provider(provider)
    _span_exporter.clear()
    yield _span_exporter
    _span_exporter.clear()


def scrape(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The metrics view's samples: (name, sorted labels) -> value."""
    from prometheus_client.parser import text_string_to_metric_families

    response = client.get("/metrics/")
    assert response.status_code == 200, response.content
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


@pytest.fixture
def scraped(client: Any) -> Callable[[], dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    return lambda: scrape(client)
