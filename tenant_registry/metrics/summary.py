"""The cache's state for the admin's change list, from the numbers the metrics report: hits and
misses by tier, and the breaker's state (every worker's in multiprocess mode)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import observer
from ..cache import state
from . import select

STATES = {observer.CLOSED: "closed", observer.HALF_OPEN: "half-open (probing)", observer.OPEN: "open"}


@dataclass
class Summary:
    metrics_on: bool
    breaker: str
    lookups: dict[str, int] = field(default_factory=dict)  # tier -> answers

    @property
    def hits(self) -> int:
        return self.lookups.get("local", 0) + self.lookups.get("shared", 0)

    @property
    def misses(self) -> int:
        return self.lookups.get("source", 0)


def summary() -> Summary:
    here = STATES[observer.OPEN if state.breaker.is_open else observer.CLOSED]
    if "prometheus" not in _backends():
        return Summary(False, here)
    select.flush()
    from .views import registry

    lookups: dict[str, int] = {}
    breaker = None
    for family in registry().collect():
        for sample in family.samples:
            if sample.name == "tenant_registry_lookups_total":
                tier = sample.labels["tier"]
                lookups[tier] = lookups.get(tier, 0) + int(sample.value)
            elif sample.name == "tenant_registry_breaker_state":
                breaker = int(sample.value) if breaker is None else max(breaker, int(sample.value))
    return Summary(True, STATES.get(breaker, here) if breaker is not None else here, lookups)


def _backends() -> list[str]:
    from .. import conf

    try:
        return select.names(conf.get_settings().METRICS)
    except Exception:  # noqa: BLE001 - E011 reports it; the admin shows metrics as off
        return []


def for_admin(allowed: bool) -> Summary | None:
    """What the change list shows, to a user who may view tenants; None to anyone else."""
    return summary() if allowed else None
