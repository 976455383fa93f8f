"""Metrics (prometheus-client) and traces (OpenTelemetry), scraped over the metrics view: counts by
tier, the histogram, the breaker gauge, invalidations, refused fills, secret failures; spans with
tenant.id; the admin's cache block; the checks on METRICS."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from tenant_registry import cache
from tenant_registry.checks.metrics import metrics_messages
from tenant_registry.exceptions import InterpolationError
from tenant_registry.models import Tenant

from .helpers import wait_live, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.metrics_urls")]
LOOKUPS = "tenant_registry_lookups_total"


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def grew(before: dict[Any, float], after: dict[Any, float], name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture
def prometheus(registry_config: Any) -> None:
    registry_config(METRICS="prometheus")


def test_each_lookup_is_counted_once_by_the_tier_that_answered(prometheus: None, scraped: Any) -> None:
    Tenant.objects.save_config("tn_m", {"client": {}})
    local = wait_live()
    before = scraped()
    Tenant.objects.get_config("tn_m")  # from the database (the save removed every entry)
    for _ in range(5):
        Tenant.objects.get_config("tn_m")  # in-process hits
    local.discard(["tn_m"])
    Tenant.objects.get_config("tn_m")  # from Redis
    Tenant.objects.get_config("tn_nobody")  # unknown: from the database, then cached as missing
    after = scraped()
    assert grew(before, after, LOOKUPS, tier="source", result="found") == 1
    assert grew(before, after, LOOKUPS, tier="local", result="found") == 5
    assert grew(before, after, LOOKUPS, tier="shared", result="found") == 1
    assert grew(before, after, LOOKUPS, tier="source", result="missing") == 1
    for tier, count in (("local", 5), ("shared", 1), ("source", 2)):
        assert grew(before, after, "tenant_registry_lookup_seconds_count", tier=tier) == count
        inf = grew(before, after, "tenant_registry_lookup_seconds_bucket", tier=tier, le="+Inf")
        assert inf == count
        assert grew(before, after, "tenant_registry_lookup_seconds_sum", tier=tier) > 0
    assert not any("tenant" in dict(labels) for _, labels in after)  # no tenant label


def test_lookups_of_other_threads_are_counted_by_the_next_scrape(prometheus: None, scraped: Any) -> None:
    import threading

    Tenant.objects.save_config("tn_t", {"client": {}})
    wait_live()
    Tenant.objects.get_config("tn_t")
    before = scraped()
    threads = [
        threading.Thread(target=lambda: [Tenant.objects.get_config("tn_t") for _ in range(10)]) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert grew(before, scraped(), LOOKUPS, tier="local", result="found") == 40


def test_invalidations_refused_fills_and_secret_failures_are_counted(prometheus: None, scraped: Any) -> None:
    Tenant.objects.save_config("tn_i", {"client": {}})
    wait_live()
    before = scraped()
    Tenant.objects.invalidate("tn_i")
    Tenant.objects.invalidate_all()
    stale = cache.guard("tn_i")
    assert stale is not None
    Tenant.objects.invalidate("tn_i")
    assert cache.fill("tn_i", stale, b"{}", 10) is False  # read before the invalidation: refused
    Tenant.objects.save_config("tn_s", {"email": {"note": "${TN_S_REQUIRED:?set TN_S_REQUIRED}"}})
    with pytest.raises(InterpolationError):
        Tenant.objects.get_config("tn_s")
    after = scraped()
    assert grew(before, after, "tenant_registry_invalidations_total", kind="tenant") == 3
    assert grew(before, after, "tenant_registry_invalidations_total", kind="all") == 1
    assert grew(before, after, "tenant_registry_fills_refused_total") == 1
    assert grew(before, after, "tenant_registry_secret_resolution_failures_total") == 1


@pytest.mark.fault
def test_the_breaker_gauge_follows_a_redis_outage(
    prometheus: None, scraped: Any, redis_server: Any, use_cache: Any, registry_config: Any
) -> None:
    use_cache(redis_server.url)
    registry_config(METRICS="prometheus", L1_ENABLED=False)
    Tenant.objects.save_config("tn_b", {"client": {}})
    assert value(scraped(), "tenant_registry_breaker_state") == 0
    redis_server.kill()
    Tenant.objects.get_config("tn_b")  # fails over to the database; the breaker opens
    assert value(scraped(), "tenant_registry_breaker_state") == 2
    redis_server.start()
    assert wait_until(lambda: Tenant.objects.get_config("tn_b") is not None and cache.info([])["available"], 10)
    assert value(scraped(), "tenant_registry_breaker_state") == 0


def test_metrics_off_count_nothing(registry_config: Any, scraped: Any) -> None:
    registry_config(METRICS="prometheus")
    Tenant.objects.save_config("tn_off", {"client": {}})
    registry_config(METRICS=None)
    before = scraped()
    for _ in range(3):
        Tenant.objects.get_config("tn_off")
    assert grew(before, scraped(), LOOKUPS, tier="source", result="found") == 0


def test_misses_and_saves_are_spans_with_the_tenant_id(registry_config: Any, spans: Any) -> None:
    registry_config(METRICS="otel")
    Tenant.objects.save_config("tn_span", {"client": {}})
    wait_live()
    Tenant.objects.get_config("tn_span")  # a miss
    Tenant.objects.get_config("tn_span")  # a hit: no span
    found = [(s.name, dict(s.attributes)) for s in spans.get_finished_spans()]
    assert found == [
        ("tenant_registry.save", {"tenant.id": "tn_span"}),
        ("tenant_registry.miss", {"tenant.id": "tn_span"}),
    ]


def test_both_backends_together(registry_config: Any, spans: Any, scraped: Any) -> None:
    registry_config(METRICS=["prometheus", "otel"])
    before = scraped()
    Tenant.objects.get_config("tn_both")
    assert [s.name for s in spans.get_finished_spans()] == ["tenant_registry.miss"]
    assert grew(before, scraped(), LOOKUPS, tier="source", result="missing") == 1


def test_checks_on_metrics(monkeypatch: Any, tmp_path: Any) -> None:
    assert metrics_messages(None, None, gunicorn=True) == []
    assert metrics_messages("prometheus", str(tmp_path), gunicorn=True) == []
    assert [m.id for m in metrics_messages(42, None, gunicorn=False)] == ["tenant_registry.E011"]
    assert [m.id for m in metrics_messages(["nope.Nothing"], None, gunicorn=False)] == ["tenant_registry.E011"]
    assert [m.id for m in metrics_messages("os.path.join", None, gunicorn=False)] == ["tenant_registry.E011"]
    missing = metrics_messages("prometheus", str(tmp_path / "absent"), gunicorn=True)
    assert [m.id for m in missing] == ["tenant_registry.W015"] and "absent" in missing[0].msg
    assert [m.id for m in metrics_messages("prometheus", None, gunicorn=True)] == ["tenant_registry.W016"]
    assert metrics_messages("prometheus", None, gunicorn=False) == []
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # as if the extra were not installed
    monkeypatch.delitem(sys.modules, "tenant_registry.metrics.prometheus", raising=False)
    messages = metrics_messages("prometheus", None, gunicorn=False)
    assert [m.id for m in messages] == ["tenant_registry.E010"]
    assert "pip install django-tenant-registry[prometheus]" in messages[0].msg
