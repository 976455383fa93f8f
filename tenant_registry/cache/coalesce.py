"""One concurrent miss, one query: single-flight in the process, a load lock across processes,
and the snapshot rule that decides whether a row just read may be shared at all."""

from __future__ import annotations

import itertools
import os
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
LOCK_TTL_MS = 2000  # a load lock whose holder died is free again after this
WAIT_SECONDS = 0.5  # a process waits at most this long for another's fill, then reads itself
FIRST_POLL = 0.002
LAST_POLL = 0.02


class _Call(Generic[T]):
    """One computation; its event is made only when a second caller comes (most calls have none)."""

    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done: threading.Event | None = None
        self.result: T | None = None
        self.error: BaseException | None = None


class SingleFlight(Generic[T]):
    """Concurrent callers for one key share one computation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, _Call[T]] = {}

    def do(self, key: str, compute: Callable[[], T]) -> tuple[T, bool]:
        """The shared result, and whether this caller led (computed it)."""
        with self._lock:
            call = self._calls.get(key)
            led = call is None
            if call is None:
                call = self._calls[key] = _Call()
            elif call.done is None:
                call.done = threading.Event()
        if not led:
            assert call.done is not None
            call.done.wait()
            return _outcome(call), False
        try:
            call.result = compute()
        except BaseException as exc:  # noqa: BLE001 - handed to every waiting caller, then re-raised
            call.error = exc
        finally:
            with self._lock:
                del self._calls[key]
                done = call.done
            if done is not None:
                done.set()
        return _outcome(call), True


def _outcome(call: _Call[T]) -> T:
    if call.error is not None:
        raise call.error
    return call.result  # type: ignore[return-value]


_process = secrets.token_hex(6)
_loads = itertools.count()


def new_owner() -> str:
    """A load-lock token no other load in any process holds: a random id, the pid and a counter."""
    return f"{_process}-{os.getpid()}-{next(_loads)}"


def wait_for_fill(peek: Callable[[], tuple[bytes | None, bool]]) -> bytes | None:
    """The entry another process is loading (``peek`` gives it and whether its lock is held),
    or None once the lock is gone or the wait is over."""
    deadline = time.monotonic() + WAIT_SECONDS
    delay = FIRST_POLL
    while time.monotonic() < deadline:
        time.sleep(delay)
        raw, locked = peek()
        if raw is not None or not locked:
            return raw
        delay = min(delay * 2, LAST_POLL)
    return None


def fill_is_safe(connection: Any) -> bool:
    """Whether a row read on ``connection`` may be shared. A guard read before the row proves the
    row is not older than the last invalidation only if the row's snapshot was taken after the
    guard was read: outside a transaction and under READ COMMITTED every statement takes a new
    one; under REPEATABLE READ or SERIALIZABLE (or an unknown level) it may predate a commit
    whose invalidation the reader already saw, so such a reader answers from its snapshot."""
    if not connection.in_atomic_block:
        return True
    if connection.vendor != "postgresql":
        return False
    from psycopg import IsolationLevel

    return getattr(connection, "isolation_level", None) in (
        IsolationLevel.READ_UNCOMMITTED,
        IsolationLevel.READ_COMMITTED,
    )
