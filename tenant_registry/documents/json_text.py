"""JSON text from an operator, read strictly: an object that holds a key twice is refused, with its place.

``json.loads`` keeps the last of two equal keys and says nothing: ``{"a": 1, "a": 2}`` would be stored as
``{"a": 2}``. YAML files refuse duplicate keys; the JSON an operator types is held to the same rule.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .secret_values import dotted

# A whole string literal (escapes included), or a character of JSON's structure; numbers and literals are skipped.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')


class _Duplicate(Exception):
    """Raised by the pairs hook; the text is then walked again to say where."""


@dataclass
class _Frame:
    """An object or an array being read: the step it adds to the key path."""

    is_object: bool
    keys: set[str] = field(default_factory=set)
    key: str = ""
    wants_key: bool = True
    index: int = 0

    def step(self) -> str | int:
        return self.key if self.is_object else self.index


def loads(text: str | bytes) -> Any:
    """``json.loads``, refusing an object that holds a key twice.

    Raises ``json.JSONDecodeError`` (``msg``: ``duplicate key <key path>``) at the second occurrence.
    """
    try:
        return json.loads(text, object_pairs_hook=_unique)
    except _Duplicate:
        source = text.decode() if isinstance(text, bytes) else text
        path, at = _first_duplicate(source)
        raise json.JSONDecodeError(f"duplicate key {dotted(path)}", source, at) from None


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Duplicate
    return found


def _first_duplicate(text: str) -> tuple[tuple[str | int, ...], int]:
    """The key path of the first key given twice in one object, and the offset of its second occurrence."""
    stack: list[_Frame] = []
    for match in _TOKEN.finditer(text):
        found = match.group()
        top = stack[-1] if stack else None
        if found in "{[":
            stack.append(_Frame(is_object=found == "{"))
        elif found in "}]":
            stack.pop()
        elif top is None:
            continue
        elif found == ",":
            top.wants_key, top.index = True, top.index + 1
        elif found == ":":
            top.wants_key = False
        elif top.is_object and top.wants_key:
            key = json.loads(found)  # escapes decoded: "a" and "\u0061" are the same key
            if key in top.keys:
                return (*(frame.step() for frame in stack[:-1]), key), match.start()
            top.keys.add(key)
            top.key = key
    return (), 0  # not reached: json.loads found one
