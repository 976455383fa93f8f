"""The read path with metrics on: ``get_config`` timed and labelled by the tier that answered, a
span around each miss. Installed in place of ``read.lookup`` (and ``read.lookup_local``) by
:mod:`.select` only while ``METRICS`` names a backend, so with metrics off a hit runs exactly as
before."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from time import perf_counter
from typing import Any

from django.db.models import Model

from .. import conf
from ..observer import Observer
from ..reading import lookup as read

Lookup = Callable[[type[Model], str], "dict[str, Any] | None"]
LocalLookup = Callable[[type[Model], str], "tuple[dict[str, Any] | None] | None"]


class Observed(Observer):
    """The backends METRICS names, as one observer; it also notes, per thread, whether the lookup
    in progress was answered by the shared tier (read.py says so on its miss path)."""

    def __init__(self, backends: Sequence[Observer]) -> None:
        self.backends = list(backends)
        self._answered = threading.local()
        if len(self.backends) == 1:  # the usual case: no loop on the read path
            self.lookup = self.backends[0].lookup  # type: ignore[method-assign]

    def lookup(self, tier: str, found: bool, seconds: float) -> None:
        for backend in self.backends:
            backend.lookup(tier, found, seconds)

    def shared_hit(self) -> None:
        self._answered.shared = True

    def took_shared(self) -> bool:
        shared: bool = getattr(self._answered, "shared", False)
        self._answered.shared = False
        return shared

    def breaker(self, state: int) -> None:
        for backend in self.backends:
            backend.breaker(state)

    def invalidation(self, kind: str, count: int = 1) -> None:
        for backend in self.backends:
            backend.invalidation(kind, count)

    def fill_refused(self) -> None:
        for backend in self.backends:
            backend.fill_refused()

    def secret_failure(self) -> None:
        for backend in self.backends:
            backend.secret_failure()

    @contextlib.contextmanager
    def span(self, name: str, tenant_id: str) -> Iterator[None]:
        with contextlib.ExitStack() as stack:
            for backend in self.backends:
                stack.enter_context(backend.span(name, tenant_id))
            yield


def readers(observed: Observed) -> tuple[Lookup, LocalLookup]:
    record = observed.lookup
    local_hit: Callable[[bool, float], None] = getattr(
        observed.backends[0] if len(observed.backends) == 1 else None,
        "local_hit",
        lambda found, seconds: record("local", found, seconds),
    )  # a backend's own shortcut for the commonest lookup

    def get_config(model: type[Model], tenant_id: str) -> dict[str, Any] | None:
        start = perf_counter()
        hit = read.from_local(model, tenant_id)
        if hit is not None:
            local_hit(hit[0] is not None, perf_counter() - start)
            return hit[0]
        observed.took_shared()  # forget a flag a failed lookup of this thread left
        with observed.span("tenant_registry.miss", tenant_id):
            answer = read.get_config(model, tenant_id)
        if tenant_id in conf.get_settings().YAML_ONLY_TENANTS:
            tier = "file"
        else:
            tier = "shared" if observed.took_shared() else "source"
        record(tier, answer is not None, perf_counter() - start)
        return answer

    def from_local(model: type[Model], tenant_id: str) -> tuple[dict[str, Any] | None] | None:
        start = perf_counter()
        hit = read.from_local(model, tenant_id)
        if hit is not None:
            local_hit(hit[0] is not None, perf_counter() - start)
        return hit

    return get_config, from_local
