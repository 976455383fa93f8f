"""In-process single-flight: concurrent callers for one key share one computation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, Future[T]] = {}

    def do(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            future = self._calls.get(key)
            leader = future is None
            if future is None:
                future = self._calls[key] = Future()
        if not leader:
            return future.result()
        try:
            future.set_result(compute())
        except BaseException as exc:  # noqa: BLE001 - handed to every waiting caller, then re-raised
            future.set_exception(exc)
        finally:
            with self._lock:
                del self._calls[key]
        return future.result()
