"""Redis with a password (and an ACL user) and Redis over TLS: Django's cache works, then the registry."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis
from django.core.cache import caches

from tenant_registry.models import Tenant

from .redis_topology import PASSWORD, PasswordRedis, TlsRedis

pytestmark = [pytest.mark.scale, pytest.mark.django_db(transaction=True)]


def django_redis(location: str, **options: Any) -> dict[str, Any]:
    return {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": location, "OPTIONS": options}}


def assert_django_cache_works() -> None:
    cache = caches["default"]
    cache.set("scale-probe", {"ok": 1}, 30)
    assert cache.get("scale-probe") == {"ok": 1}


def test_the_password_server_refuses_a_client_without_the_password(password_redis: PasswordRedis) -> None:
    with pytest.raises(redis.AuthenticationError):
        redis.Redis.from_url(password_redis.url, socket_timeout=2).ping()


def test_django_cache_works_with_a_password(settings: Any, password_redis: PasswordRedis) -> None:
    settings.CACHES = django_redis(password_redis.url, PASSWORD=PASSWORD)
    assert_django_cache_works()


def test_django_cache_works_with_an_acl_user_in_the_url(settings: Any, password_redis: PasswordRedis) -> None:
    settings.CACHES = django_redis(password_redis.acl_url)
    assert_django_cache_works()


def test_django_cache_works_over_tls(settings: Any, tls_redis: TlsRedis) -> None:
    settings.CACHES = django_redis(tls_redis.url, CONNECTION_POOL_KWARGS={"ssl_ca_certs": str(tls_redis.ca)})
    assert_django_cache_works()


def test_the_tls_server_refuses_a_client_that_does_not_trust_its_ca(tls_redis: TlsRedis) -> None:
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(tls_redis.url, socket_timeout=2, socket_connect_timeout=2).ping()


def assert_registry_uses(server: redis.Redis, key_prefix: str, tenant_factory: Any, queries: Any) -> None:
    """The second read costs no query, the cache is available, and the entry is on ``server``."""
    tenant_factory("tn_scale", {"client": {"name": "scale"}})
    assert Tenant.objects.get_config("tn_scale")["client"] == {"name": "scale"}
    with queries(0):
        assert Tenant.objects.get_config("tn_scale")["client"] == {"name": "scale"}
    assert Tenant.objects.cache_info()["available"] is True
    assert cached_on(server, key_prefix)


def cached_on(server: redis.Redis, key_prefix: str, timeout: float = 2.0) -> bool:
    """Whether keys of this test's namespace appear on ``server`` (fills may land a moment later)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if list(server.scan_iter(match=f"*{key_prefix}*")):
            return True
        time.sleep(0.05)
    return False


def test_the_registry_caches_with_a_password(
    settings: Any, password_redis: PasswordRedis, key_prefix: str, tenant_factory: Any, django_assert_num_queries: Any
) -> None:
    settings.CACHES = django_redis(password_redis.url, PASSWORD=PASSWORD)
    server = redis.Redis(port=password_redis.port, password=PASSWORD)
    assert_registry_uses(server, key_prefix, tenant_factory, django_assert_num_queries)


def test_the_registry_caches_with_an_acl_user_in_the_url(
    settings: Any, password_redis: PasswordRedis, key_prefix: str, tenant_factory: Any, django_assert_num_queries: Any
) -> None:
    settings.CACHES = django_redis(password_redis.acl_url)
    server = redis.Redis(port=password_redis.port, password=PASSWORD)
    assert_registry_uses(server, key_prefix, tenant_factory, django_assert_num_queries)


def test_the_registry_caches_over_tls(
    settings: Any, tls_redis: TlsRedis, key_prefix: str, tenant_factory: Any, django_assert_num_queries: Any
) -> None:
    settings.CACHES = django_redis(tls_redis.url, CONNECTION_POOL_KWARGS={"ssl_ca_certs": str(tls_redis.ca)})
    server = redis.Redis.from_url(tls_redis.url, ssl_ca_certs=str(tls_redis.ca))
    assert_registry_uses(server, key_prefix, tenant_factory, django_assert_num_queries)
