"""Change listeners: the ``tenant_config_changed`` and ``tenant_registry_resync`` signals, sent on one
worker thread per process once the in-process tier has dropped what a message names.

The subscriber only queues (:meth:`Dispatcher.heard`); the worker, started with the first change
queued while a receiver is connected, sends the signals. Changes of a tenant heard before they
were reported are merged into one, so a slow receiver holds at most one pending change per tenant
and loses none. A change whose version is not newer than the last one reported for the tenant is
left out. A receiver that raises is logged, and the next one still runs.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from django.dispatch import Signal

from ..ids import ID_RE
from .changes import UNKNOWN, Change, Changes, merged

logger = logging.getLogger("tenant_registry")


class Listened(Signal):
    """A signal whose first receiver subscribes the process to the channel, on a thread of its own:
    a process hears changes once it is subscribed, and otherwise subscribes at its first read."""

    subscribe: Callable[[], None] = staticmethod(lambda: None)  # set by the cache package

    def connect(self, *args: Any, **kwargs: Any) -> None:
        super().connect(*args, **kwargs)
        subscribe_soon()


def subscribe_soon() -> None:
    threading.Thread(target=_subscribe, name="tenant-registry-subscribe", daemon=True).start()


def _subscribe() -> None:
    try:
        Listened.subscribe()
    except Exception:  # a misconfigured cache: the read path reports it at the first read
        logger.exception("could not subscribe to the invalidation channel for the change listeners")


def subscribe_in_child() -> None:
    """After a fork (gunicorn --preload): a child whose receivers were connected in the parent subscribes."""
    if tenant_config_changed.has_listeners() or tenant_registry_resync.has_listeners():
        subscribe_soon()


# kwargs: tenant_id (None: every tenant), version (None: deleted, every tenant, or not known), sections
tenant_config_changed = Listened()
# no kwargs: the channel came back after a loss; changes made meanwhile were not heard
tenant_registry_resync = Listened()

EVERY = "*"  # the key of an every-tenant change
RESYNC = "!"  # the key of a resync
REPORTED_MAX = 100_000  # versions remembered per process (oldest forgotten first)


class Dispatcher:
    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._pending: OrderedDict[str, Change] = OrderedDict()
        self._reported: OrderedDict[str, int] = OrderedDict()
        self._thread: threading.Thread | None = None
        self._busy = False

    def heard(self, tokens: Iterable[str] | None, changes: Changes | None = None) -> None:
        """Tenants whose entries this process dropped (None: every tenant), with what is known of each."""
        if not tenant_config_changed.has_listeners():
            return
        notes = changes or {}
        if tokens is None:
            found = [(EVERY, UNKNOWN)]
        else:  # the channel also carries other entries' keys (a host's tenant): only tenants are reported
            found = [(t, notes.get(t, UNKNOWN)) for t in tokens if ID_RE.fullmatch(t)]
            if not found:
                return
        self._queue(found)

    def resync(self) -> None:
        if tenant_registry_resync.has_listeners():
            self._queue([(RESYNC, UNKNOWN)])

    def _queue(self, found: list[tuple[str, Change]]) -> None:
        with self._ready:
            for key, change in found:
                earlier = self._pending.pop(key, None)
                self._pending[key] = change if earlier is None else merged(earlier, change)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tenant-registry-listeners", daemon=True)
                self._thread.start()
            self._ready.notify()

    def idle(self, timeout: float) -> bool:
        """Whether every queued change was reported within ``timeout`` seconds (tests, shutdown)."""
        with self._ready:
            return self._ready.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._ready:
                self._busy = False
                self._ready.notify_all()
                self._ready.wait_for(lambda: bool(self._pending))
                key, change = self._pending.popitem(last=False)
                self._busy = True
            self._report(key, change)

    def _report(self, key: str, change: Change) -> None:
        if key == RESYNC:
            self._send(tenant_registry_resync, "resync")
            return
        if key != EVERY and not self._is_new(key, change.version):
            return
        tenant_id = None if key == EVERY else key
        self._send(tenant_config_changed, key, tenant_id=tenant_id, version=change.version, sections=change.sections)

    def _is_new(self, tenant_id: str, version: int | None) -> bool:
        last = self._reported.pop(tenant_id, None)
        if version is None:  # deleted or unknown: whatever comes next is reported
            return True
        if last is not None and version <= last:
            self._reported[tenant_id] = last
            return False
        self._reported[tenant_id] = version
        while len(self._reported) > REPORTED_MAX:
            self._reported.popitem(last=False)
        return True

    def _send(self, signal: Signal, what: str, **kwargs: Any) -> None:
        for receiver, result in signal.send_robust(sender=None, **kwargs):
            if isinstance(result, BaseException):
                name = getattr(receiver, "__qualname__", repr(receiver))
                logger.error("tenant change listener %s failed on %s", name, what, exc_info=result)

    def after_fork(self) -> None:
        """A child has no worker thread: it starts its own with its first change."""
        self._ready = threading.Condition()
        self._pending = OrderedDict()
        self._reported = OrderedDict()
        self._thread = None
        self._busy = False


dispatcher = Dispatcher()
