"""In-process single-flight: concurrent callers for one key share one computation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class _Call(Generic[T]):
    """One computation; its event is made only when a second caller comes (most calls have none)."""

    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done: threading.Event | None = None
        self.result: T | None = None
        self.error: BaseException | None = None


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, _Call[T]] = {}

    def do(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            call = self._calls.get(key)
            if call is not None and call.done is None:
                call.done = threading.Event()
            leader = call is None
            if call is None:
                call = self._calls[key] = _Call()
        if not leader:
            assert call.done is not None
            call.done.wait()
            return _outcome(call)
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
        return _outcome(call)


def _outcome(call: _Call[T]) -> T:
    if call.error is not None:
        raise call.error
    return call.result  # type: ignore[return-value]
