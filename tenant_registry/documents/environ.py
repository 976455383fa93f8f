"""A live, read-only view of the process environment with a cheap ``get``.

``os.environ.get`` raises and catches KeyError on every absent variable, which is most of the
secret lookups of a read; this view asks the environment's own mapping directly and falls back
to ``os.environ`` where that mapping is not the usual dict.

A lookup can be recorded (:class:`Reads`) so that :meth:`Environ.unchanged` tells, in a few
identity checks, whether an answer built from those lookups would still be the same.

With SECRET_DIRS set, a variable the environment lacks is looked for in files
(:mod:`.secret_files`): the environment wins, then ``<VAR>_FILE``, then the directories in order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping

from . import MEMO_CHARS, secret_files


class Reads(list[tuple[object, object]]):
    """(the environment's key, the value object found or None) per lookup, and in ``files`` each
    file or directory a file lookup depended on, with its signature."""

    __slots__ = ("files",)

    def __init__(self) -> None:
        super().__init__()
        self.files: secret_files.Files = {}


_UNTRACKED = object()  # recorded when the environment is not the usual dict: never unchanged


class Environ(Mapping[str, str]):
    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        value = self.getter()(name)
        return default if value is None else value

    def getter(self, reads: Reads | None = None) -> Callable[[str], str | None]:
        """``get`` bound to the environment's mapping (and SECRET_DIRS) once, for the many lookups
        of one read; with ``reads``, each lookup is recorded there."""
        env = self._env_getter(reads)
        if not secret_files.roots():
            return env
        files = None if reads is None else reads.files

        def get(name: str) -> str | None:
            value = env(name)
            return secret_files.lookup(name, env, files) if value is None else value

        return get

    def _env_getter(self, reads: Reads | None) -> Callable[[str], str | None]:
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

    def origin(self, name: str) -> str | None:
        """The file ``name``'s value would come from, or None (the environment, or nowhere)."""
        env = self._env_getter(None)
        return None if env(name) is not None else secret_files.origin(name, env)

    def unchanged(self, reads: Reads) -> bool:
        """Whether every recorded lookup would find the same value object (os.environ stores a new
        one on every assignment, and the record keeps the old one alive, so identity is exact), and
        every recorded file is the same file."""
        data = os.environ.__dict__.get("_data")
        if data is not _data or not isinstance(data, dict):
            return False
        get = data.get
        for key, value in reads:
            if get(key) is not value:
                return False
        return not reads.files or secret_files.still(reads.files)

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
