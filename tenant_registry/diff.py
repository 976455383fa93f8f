"""Differences between two config documents as key-path lines, with secrets masked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from .masking import mask_secrets
from .secrets import KeyPath, dotted

ABSENT = "(absent)"
_ABSENT: Any = object()


def same(a: Any, b: Any) -> bool:
    """JSON equality: unlike ``==``, 1, 1.0 and true differ, and key order does not matter."""
    if a is b:
        return True
    return orjson.dumps(a, option=orjson.OPT_SORT_KEYS) == orjson.dumps(b, option=orjson.OPT_SORT_KEYS)


def changes(old: dict[str, Any] | None, new: dict[str, Any] | None, prefix: str = "config") -> list[str]:
    """``<prefix>.<path>: <old> -> <new>`` for each changed leaf; secrets are masked on both sides."""
    before = _ABSENT if old is None else mask_secrets(old)
    after = _ABSENT if new is None else mask_secrets(new)
    return [f"{_join(prefix, path)}: {_show(a)} -> {_show(b)}" for path, a, b in _walk(before, after, ())]


def field_change(name: str, old: Any, new: Any) -> list[str]:
    return [] if same(old, new) else [f"{name}: {_show(old)} -> {_show(new)}"]


def _walk(old: Any, new: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any, Any]]:
    old_dict, new_dict = isinstance(old, dict), isinstance(new, dict)
    if (old_dict or old is _ABSENT) and (new_dict or new is _ABSENT) and (old_dict or new_dict):
        old_map = old if old_dict else {}
        new_map = new if new_dict else {}
        if not old_map and not new_map:
            yield path, old, new
        for key in [*new_map, *(k for k in old_map if k not in new_map)]:
            yield from _walk(old_map.get(key, _ABSENT), new_map.get(key, _ABSENT), (*path, key))
    elif old is _ABSENT or new is _ABSENT or not same(old, new):
        yield path, old, new


def _join(prefix: str, path: KeyPath) -> str:
    tail = dotted(path)
    if not tail:
        return prefix
    return f"{prefix}{tail}" if tail.startswith("[") else f"{prefix}.{tail}"


def _show(value: Any) -> str:
    return ABSENT if value is _ABSENT else orjson.dumps(value).decode()
