"""The ``otel`` backend (``pip install django-tenant-registry[otel]``): an OpenTelemetry span around
each miss and each save, with the tenant's id as ``tenant.id``. Spans go to whatever tracer provider
the application set up; with none they cost the API's no-op span."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from opentelemetry import trace

from ..observer import Observer


class OtelObserver(Observer):
    def __init__(self) -> None:
        self.tracer = trace.get_tracer("tenant_registry")  # a proxy: a provider set later is used too

    @contextlib.contextmanager
    def span(self, name: str, tenant_id: str) -> Iterator[None]:
        with self.tracer.start_as_current_span(name, attributes={"tenant.id": tenant_id}):
            yield
