"""A misconfigured cache is one ERROR naming the setting to fix, a reason in cache_info(), and an
error of `manage.py check --deploy`; never a silent run on the database alone."""

from __future__ import annotations

import io
import logging
import os
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tenant_registry.models import Tenant

from ..services import running_redis
from .cluster_topology import Cluster
from .redis_topology import Sentinel, TlsRedis
from .test_password_tls import django_redis

pytestmark = pytest.mark.scale
CLUSTER_CLIENT = "tenant_registry.redis_cluster.ClusterClient"


def the_one_error(tenant_factory: Any, caplog: pytest.LogCaptureFixture) -> str:
    """Reads keep answering from the database; what they logged is one ERROR, returned."""
    with caplog.at_level(logging.WARNING, logger="tenant_registry"):
        tenant_factory("tn_misconfigured", {"v": 1})
        for _ in range(5):
            assert Tenant.objects.get_config("tn_misconfigured")["v"] == 1
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelname for r in errors] == ["ERROR"]
    return errors[0].getMessage()


def deploy_check() -> str:
    with pytest.raises(SystemCheckError) as failed:
        call_command("check", "--deploy", stdout=io.StringIO(), stderr=io.StringIO())
    return str(failed.value)


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_is_one_error_naming_the_setting(
    settings: Any, password_redis: Any, tenant_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CACHES = django_redis(password_redis.url, PASSWORD="not-the-password")
    error = the_one_error(tenant_factory, caplog)
    assert "Redis refused the credentials" in error
    assert "CACHES['default'] OPTIONS PASSWORD" in error
    info = Tenant.objects.cache_info()
    assert info["available"] is False
    assert "Redis refused the credentials" in info["reason"]
    assert "tenant_registry.E006" in deploy_check()


def test_a_tls_failure_is_reported_by_the_deploy_check(settings: Any, tls_redis: TlsRedis, db: None) -> None:
    settings.CACHES = django_redis(tls_redis.url)  # no CA: the server's certificate is not trusted
    report = deploy_check()
    assert "tenant_registry.E006" in report
    assert "the TLS handshake failed" in report


@pytest.mark.django_db(transaction=True)
def test_tls_to_a_plain_port_is_one_error_naming_the_setting(
    settings: Any, tenant_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with running_redis() as plain:
        settings.CACHES = django_redis(f"rediss://127.0.0.1:{plain.port}/0")
        error = the_one_error(tenant_factory, caplog)
        assert "no answer to the TLS handshake" in error
        assert "CACHES['default']['LOCATION'] may not serve TLS" in error
        report = deploy_check()
    assert "tenant_registry.E006" in report and "no answer to the TLS handshake" in report
    assert ".." not in report


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


@pytest.mark.django_db(transaction=True)
def test_the_cluster_client_on_a_plain_redis_is_one_error_naming_the_client_class(
    settings: Any, tenant_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CACHES = django_redis(os.environ["REDIS_URL"], CLIENT_CLASS=CLUSTER_CLIENT)
    assert "Redis is not a cluster" in the_one_error(tenant_factory, caplog)
    assert f"remove CLIENT_CLASS '{CLUSTER_CLIENT}'" in Tenant.objects.cache_info()["reason"]
    assert "tenant_registry.E006" in deploy_check()


def test_a_cluster_node_without_the_cluster_client_is_reported(settings: Any, cluster: Cluster, db: None) -> None:
    settings.CACHES = django_redis(f"redis://127.0.0.1:{next(iter(cluster.nodes))}/0")
    hint = f"set CACHES['default'] OPTIONS CLIENT_CLASS to '{CLUSTER_CLIENT}'"
    assert hint in deploy_check()
    Tenant.objects.invalidate_all()  # keys of every slot: the node refuses those it does not hold
    assert hint in Tenant.objects.cache_info()["reason"]


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_cluster_is_an_outage_not_an_error(settings: Any, tenant_factory: Any) -> None:
    settings.CACHES = django_redis("redis://127.0.0.1:1/0", CLIENT_CLASS=CLUSTER_CLIENT, SOCKET_CONNECT_TIMEOUT=0.2)
    tenant_factory("tn_nocl", {"v": 1})
    for _ in range(3):
        assert Tenant.objects.get_config("tn_nocl")["v"] == 1
    info = Tenant.objects.cache_info()
    assert info["available"] is False
    assert "Redis Cluster cannot be connected" in info["reason"]
