"""The metrics endpoint: the prometheus text format of this process, or of every worker in
multiprocess mode. Route it where only the scraper reaches it (it names no tenant, but it is no
one else's business): ``path("metrics/", tenant_registry.metrics.views.metrics)``."""

from __future__ import annotations

import os

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from . import select


def registry() -> CollectorRegistry:
    """The registry a scrape reads: every worker's files in multiprocess mode, else this process's."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
        return combined
    return REGISTRY


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    select.flush()
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
