"""The ``prometheus`` backend (``pip install django-tenant-registry[prometheus]``): prometheus-client
metrics without a tenant label, in the default registry; in multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``) each worker writes its own files and a scrape adds them up.

The metrics are made once per process, whatever the settings changes, since a registry refuses a
second metric of the same name.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from ..observer import Observer
from .tally import BOUNDS, TIERS, Growth, Tallies, tallies

NAMES = (
    "tenant_registry_lookups_total",
    "tenant_registry_lookup_seconds",
    "tenant_registry_breaker_state",
    "tenant_registry_invalidations_total",
    "tenant_registry_fills_refused_total",
    "tenant_registry_secret_resolution_failures_total",
)


@functools.cache
def metrics() -> dict[str, Any]:
    return {
        "lookups": Counter(
            "tenant_registry_lookups_total", "get_config answers, by the tier that answered", ["tier", "result"]
        ),
        "seconds": Histogram(
            "tenant_registry_lookup_seconds", "get_config time, by the tier that answered", ["tier"], buckets=BOUNDS
        ),
        "breaker": Gauge(
            "tenant_registry_breaker_state",
            "The shared tier's breaker: 0 closed, 1 half-open (probing), 2 open; the worst of the live workers",
            multiprocess_mode="livemax",
        ),
        "invalidations": Counter(
            "tenant_registry_invalidations_total", "Invalidations sent by this process, by kind", ["kind"]
        ),
        "refused": Counter(
            "tenant_registry_fills_refused_total", "Fills the shared tier refused (an invalidation won)"
        ),
        "secrets": Counter(
            "tenant_registry_secret_resolution_failures_total", "Reads that failed to resolve a secret or reference"
        ),
    }


def _add(growth: Growth) -> None:
    found = metrics()
    lookups = found["lookups"]
    if growth.found:
        lookups.labels(growth.tier, "found").inc(growth.found)
    if growth.missing:
        lookups.labels(growth.tier, "missing").inc(growth.missing)
    child = found["seconds"].labels(growth.tier)
    # prometheus-client has no public call to add many observations; its children keep one value per
    # bucket (not cumulative) and one for the sum, each with inc() (tests/test_metrics.py reads them back).
    for value, count in zip(child._buckets, growth.buckets, strict=True):
        if count:
            value.inc(count)
    child._sum.inc(growth.seconds)


class PrometheusObserver(Observer):
    def __init__(self) -> None:
        self.metrics = metrics()
        self.tallies: Tallies = tallies(_add)
        self.tier_index = {tier: index for index, tier in enumerate(TIERS)}
        self.mine = self.tallies.mine
        assert TIERS[0] == "local"
        self.metrics["breaker"].set(0)

    def lookup(self, tier: str, found: bool, seconds: float) -> None:
        self.tallies.mine().add(self.tier_index[tier], found, seconds)  # on every get_config: kept short

    def local_hit(self, found: bool, seconds: float) -> None:
        """:meth:`lookup` of the in-process tier, with fewer calls: it runs on every hit."""
        tally = self.mine()
        (tally.found if found else tally.missing)[0] += 1
        tally.buckets[0][bisect_left(BOUNDS, seconds)] += 1
        tally.sums[0] += seconds

    def shared_hit(self) -> None:
        self.tallies.shared.hit = True

    def breaker(self, state: int) -> None:
        self.metrics["breaker"].set(state)

    def invalidation(self, kind: str, count: int = 1) -> None:
        self.metrics["invalidations"].labels(kind).inc(count)

    def fill_refused(self) -> None:
        self.metrics["refused"].inc()

    def secret_failure(self) -> None:
        self.metrics["secrets"].inc()

    def flush(self) -> None:
        self.tallies.flush()

    def close(self) -> None:
        self.tallies.stop()
