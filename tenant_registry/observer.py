"""What the registry reports as it works, to the observer ``TENANT_REGISTRY["METRICS"]`` chose.

The base class reports nothing; :mod:`tenant_registry.metrics` installs another on each settings
change. Code outside the in-process hit calls ``observer.current.<event>()``: the events are rare
(a breaker change, an invalidation, a refused fill) or ride on a network round trip. The hit itself
calls nothing unless metrics are on (``read.lookup``, swapped by the installer).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

CLOSED, HALF_OPEN, OPEN = 0, 1, 2  # the breaker's states as the gauge shows them (the worst is highest)


class Observer:
    """Every event, reported nowhere. Backends override what they record."""

    def lookup(self, tier: str, found: bool, seconds: float) -> None:
        """A get_config answered by ``tier`` (local, shared, source, file); ``found``: not an unknown tenant."""

    def shared_hit(self) -> None:
        """This thread's get_config now in progress got its answer from the shared tier."""

    def breaker(self, state: int) -> None:
        """The breaker moved to ``state`` (CLOSED, HALF_OPEN, OPEN)."""

    def invalidation(self, kind: str, count: int = 1) -> None:
        """Invalidations sent by this process: ``tenant``, ``all``, or ``owed`` (kept for replay)."""

    def fill_refused(self) -> None:
        """The shared tier refused a fill: an invalidation came while its row was read."""

    def secret_failure(self) -> None:
        """A config's secret or reference could not be resolved (the read raised)."""

    @contextlib.contextmanager
    def span(self, name: str, tenant_id: str) -> Iterator[None]:
        """Around a miss or a save (traces)."""
        yield


NOTHING = Observer()
current: Observer = NOTHING


def use(observer: Observer) -> None:
    global current
    current = observer
