"""A live, read-only view of the process environment with a cheap ``get``.

``os.environ.get`` raises and catches KeyError on every absent variable, which is most of the
secret lookups of a read; this view asks the environment's own mapping directly and falls back
to ``os.environ`` where that mapping is not the usual dict.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from functools import lru_cache


class Environ(Mapping[str, str]):
    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        data = getattr(os.environ, "_data", None)
        if not isinstance(data, dict):
            return os.environ.get(name, default)
        value = data.get(_encoded(name))
        return default if value is None else os.environ.decodevalue(value)

    def __getitem__(self, name: str) -> str:
        return os.environ[name]

    def __iter__(self) -> Iterator[str]:
        return iter(os.environ)

    def __len__(self) -> int:
        return len(os.environ)


@lru_cache(maxsize=4096)
def _encoded(name: str) -> object:
    return os.environ.encodekey(name)


environ = Environ()
