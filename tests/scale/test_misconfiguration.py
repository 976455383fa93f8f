"""A misconfigured cache is one ERROR naming the setting to fix, a reason in cache_info(), and an
error of `manage.py check --deploy`; never a silent run on the database alone."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tenant_registry.models import Tenant

from .redis_topology import Sentinel, TlsRedis
from .test_password_tls import django_redis

pytestmark = pytest.mark.scale


def deploy_check() -> str:
    with pytest.raises(SystemCheckError) as failed:
        call_command("check", "--deploy", stdout=io.StringIO(), stderr=io.StringIO())
    return str(failed.value)


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_is_one_error_naming_the_setting(
    settings: Any, password_redis: Any, tenant_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CACHES = django_redis(password_redis.url, PASSWORD="not-the-password")
    with caplog.at_level(logging.WARNING, logger="tenant_registry"):
        tenant_factory("tn_pw", {"v": 1})
        for _ in range(5):
            assert Tenant.objects.get_config("tn_pw")["v"] == 1
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelname for r in errors] == ["ERROR"]
    assert "Redis refused the credentials" in errors[0].getMessage()
    assert "CACHES['default'] OPTIONS PASSWORD" in errors[0].getMessage()
    info = Tenant.objects.cache_info()
    assert info["available"] is False
    assert "Redis refused the credentials" in info["reason"]
    assert "tenant_registry.E006" in deploy_check()


def test_a_tls_failure_is_reported_by_the_deploy_check(settings: Any, tls_redis: TlsRedis, db: None) -> None:
    settings.CACHES = django_redis(tls_redis.url)  # no CA: the server's certificate is not trusted
    report = deploy_check()
    assert "tenant_registry.E006" in report
    assert "the TLS handshake failed" in report


def test_an_unknown_sentinel_service_is_reported(settings: Any, sentinel: Sentinel, db: None) -> None:
    settings.DJANGO_REDIS_CONNECTION_FACTORY = "django_redis.pool.SentinelConnectionFactory"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://no-such-service/0",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.SentinelClient",
                "SENTINELS": [("127.0.0.1", port) for port in sentinel.sentinels],
            },
        }
    }
    report = deploy_check()
    assert "tenant_registry.E006" in report
    assert "Sentinel names no primary" in report


def test_a_reachable_cache_passes_the_deploy_check(settings: Any, password_redis: Any, db: None) -> None:
    settings.CACHES = django_redis(password_redis.acl_url)
    out = io.StringIO()
    call_command("check", "--deploy", "--tag", "caches", stdout=out, stderr=io.StringIO())
    assert "E006" not in out.getvalue()
