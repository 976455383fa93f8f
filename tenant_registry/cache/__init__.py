"""Caching only: the in-process tier, the shared tier (Redis or another Django cache), the fill
guard and coalescing. It knows nothing of YAML or of the model; ``read.py`` drives it.

What the rest of the package uses is named here; see docs/design.md for how the parts fit.
"""

from __future__ import annotations

from .coalesce import LOCK_TTL_MS, SingleFlight, fill_is_safe, new_owner, wait_for_fill
from .commit import any_written, invalidate_on_commit, written_in_transaction
from .fills import FillWriter
from .guard import Guard
from .listeners import Listened
from .local.channel import LEASE
from .local.tier import LocalCache
from .state import state
from .stores.base import Store
from .tiers import (
    claim,
    contains,
    fill,
    fill_later,
    flush_pending,
    get,
    guard,
    info,
    install,
    invalidate,
    invalidate_all,
    peek,
    pending,
    recover,
    release,
)

__all__ = [
    "LEASE",
    "LOCK_TTL_MS",
    "FillWriter",
    "Guard",
    "LocalCache",
    "SingleFlight",
    "any_written",
    "claim",
    "clock",
    "contains",
    "fill",
    "fill_is_safe",
    "fill_later",
    "fill_writer",
    "flush_pending",
    "get",
    "guard",
    "info",
    "install",
    "invalidate",
    "invalidate_all",
    "invalidate_on_commit",
    "listen",
    "local_tier",
    "new_owner",
    "peek",
    "pending",
    "recover",
    "release",
    "reset",
    "settle",
    "state",
    "store",
    "wait_for_fill",
    "written_in_transaction",
]


def clock() -> int:
    """The process's invalidation clock now: note it before a read (see guard.Clock)."""
    return state.clock.now


def local_tier() -> LocalCache | None:
    """This process's in-process tier, or None when it is off."""
    return state.tier()


def listen() -> None:
    """Subscribe this process to the invalidation channel now (otherwise its first read does), so
    that its change listeners hear what other processes save. Connecting a receiver calls it."""
    state.tier()


def store() -> Store | None:
    """The shared store of the current settings (None: no cache)."""
    return state.store()


def fill_writer() -> FillWriter:
    """This process's fill writer: the thread that writes the fills its misses queue."""
    return state.fills


def settle(tenant_id: str | None = None) -> None:
    """Wait until this process's queued fills (of ``tenant_id``, or all) are written."""
    state.fills.settle(tenant_id)


def reset() -> None:
    """Forget the process's cache state (store, tier, channel, breaker, owed invalidations)."""
    state.reset()


Listened.subscribe = staticmethod(listen)
