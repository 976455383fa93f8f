"""An in-process hit with metrics on (the prometheus backend) beside the same hit with metrics off, in
one process, sample by sample: each sample first puts the reader of its case in place, untimed, as
``metrics.select.install`` does on a settings change."""

from __future__ import annotations

from tenant_registry.metrics.observed import Observed, readers
from tenant_registry.metrics.prometheus import PrometheusObserver
from tenant_registry.models import Tenant
from tenant_registry.reading import lookup as read

from .reads import Row, _registry, _wait_live
from .timing import Case, interleaved


def hits(size: str, hot_id: str, samples: int) -> list[Row]:
    backend = PrometheusObserver()
    observed, observed_local = readers(Observed([backend]))

    def metrics_on() -> None:
        read.lookup, read.lookup_local = observed, observed_local

    def metrics_off() -> None:
        read.lookup, read.lookup_local = read.get_config, read.from_local

    with _registry(L1_ENABLED=True, METRICS=None):
        Tenant.objects.get_config(hot_id)
        _wait_live()
        Tenant.objects.get_config(hot_id)
        off = Case(
            "get_config, L1 hit, metrics off", lambda: Tenant.objects.get_config(hot_id), batch=20, prepare=metrics_off
        )
        on = Case(
            "get_config, L1 hit, metrics on", lambda: Tenant.objects.get_config(hot_id), batch=20, prepare=metrics_on
        )
        try:
            interleaved([off, on], samples)
        finally:
            metrics_off()
            backend.close()
    return [
        Row("floor: get_config hit, L1, metrics off", size, off),
        Row("get_config hit, L1, metrics on (prometheus)", size, on, off, 1.1),
    ]
