"""What was made of a file, kept while the file is unchanged: keyed by its path and checked against
its (inode, mtime, size), so a file that is replaced or edited is read again at its next use."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar, cast

from ..exceptions import TenantRegistryError

T = TypeVar("T")
Identity = tuple[int, int, int]


def identity(path: Path) -> Identity:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


class FileMemo(Generic[T]):
    """A bounded LRU of ``make(path)`` by path; ``make``'s exceptions are kept and raised again too,
    so a broken file is not parsed twice either."""

    def __init__(self, size: Callable[[], int]) -> None:
        self._size = size
        self._kept: OrderedDict[Path, tuple[Identity, T | None, BaseException | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: Path, make: Callable[[Path], T]) -> T:
        now = identity(path)
        with self._lock:
            hit = self._kept.get(path)
            if hit is not None and hit[0] == now:
                self._kept.move_to_end(path)
        if hit is None or hit[0] != now:
            hit = self._make(path, now, make)
        if hit[2] is not None:
            raise hit[2]
        return cast(T, hit[1])

    def _make(
        self, path: Path, now: Identity, make: Callable[[Path], T]
    ) -> tuple[Identity, T | None, BaseException | None]:
        try:
            made: tuple[Identity, T | None, BaseException | None] = (now, make(path), None)
        except (OSError, TenantRegistryError) as exc:  # the file's own errors; others are not the file's
            made = (now, None, exc.with_traceback(None))
        with self._lock:
            self._kept[path] = made
            self._kept.move_to_end(path)
            while len(self._kept) > max(1, self._size()):
                self._kept.popitem(last=False)
        return made

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
