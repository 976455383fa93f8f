"""A live, read-only view of the process environment with a cheap ``get``.

``os.environ.get`` raises and catches KeyError on every absent variable, which is most of the
secret lookups of a read; this view asks the environment's own mapping directly and falls back
to ``os.environ`` where that mapping is not the usual dict.

A lookup can be recorded (:data:`Reads`) so that :meth:`Environ.unchanged` tells, in a few
identity checks, whether an answer built from those lookups would still be the same.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping

from . import MEMO_CHARS

Reads = list[tuple[object, object]]  # (the environment's key, the value object found or None) per lookup
_UNTRACKED = object()  # recorded when the environment is not the usual dict: never unchanged


class Environ(Mapping[str, str]):
    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        data = os.environ.__dict__.get("_data")
        if data is not _data or not isinstance(data, dict):  # os.environ replaced, or not the usual kind
            return os.environ.get(name, default)
        key = _keys.get(name)
        if key is None:
            key = _encoded(name)
        value = data.get(key)
        return default if value is None else os.environ.decodevalue(value)

    def getter(self, reads: Reads | None = None) -> Callable[[str], str | None]:
        """``get`` bound to the environment's mapping once, for the many lookups of one read;
        with ``reads``, each lookup is recorded there."""
        data = os.environ.__dict__.get("_data")
        if data is not _data or not isinstance(data, dict):  # os.environ replaced, or not the usual kind
            if reads is not None:
                reads.append((_UNTRACKED, _UNTRACKED))
            return os.environ.get
        keys, decode = _keys, os.environ.decodevalue

        def get(name: str) -> str | None:
            key = keys.get(name)
            if key is None:
                key = _encoded(name)
            value = data.get(key)
            if reads is not None:
                reads.append((key, value))
            return None if value is None else decode(value)

        return get

    def unchanged(self, reads: Reads) -> bool:
        """Whether every recorded lookup would find the same value object: os.environ stores a new
        one on every assignment, and the record keeps the old one alive, so identity is exact."""
        data = os.environ.__dict__.get("_data")
        if data is not _data or not isinstance(data, dict):
            return False
        get = data.get
        for key, value in reads:  # noqa: SIM110 - a loop, not all(): this runs on every in-process hit
            if get(key) is not value:
                return False
        return True

    def __getitem__(self, name: str) -> str:
        return os.environ[name]

    def __iter__(self) -> Iterator[str]:
        return iter(os.environ)

    def __len__(self) -> int:
        return len(os.environ)


class Lookup(Mapping[str, str]):
    """The environment through one :meth:`Environ.getter`, recording into ``reads`` if given."""

    def __init__(self, reads: Reads | None = None) -> None:
        self._get = environ.getter(reads)

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        value = self._get(name)
        return default if value is None else value

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(os.environ)

    def __len__(self) -> int:
        return len(os.environ)


def _encoded(name: str) -> object:
    """The environment's key for ``name``, kept for short names, at most KEYS of them."""
    key = os.environ.encodekey(name)
    if len(name) <= MEMO_CHARS:
        if len(_keys) >= KEYS:
            _keys.clear()
        _keys[name] = key
    return key


KEYS = 8192


_data: object = os.environ.__dict__.get("_data") if isinstance(os.environ.__dict__.get("_data"), dict) else ()
_keys: dict[str, object] = {}
environ = Environ()
