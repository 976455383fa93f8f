"""Masking secret values for display: the admin's effective-config panel and the inspection commands."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .secrets import KeyPath, is_secret_key

SHOWN_FROM = 16  # shorter secrets are only said to be "set": a prefix and suffix would give away too much


def mask(value: object) -> str:
    """``sk-…9f2c`` for a long string, "set" for any other value, "missing" for nothing."""
    if value is None or value == "":
        return "missing"
    if isinstance(value, str) and len(value) >= SHOWN_FROM:
        return f"{value[:3]}…{value[-4:]}"
    return "set"


def secret_paths(doc: Any, path: KeyPath = (), under_secret: bool = False) -> Iterator[KeyPath]:
    """Paths of every scalar under a secret key (whatever its value)."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from secret_paths(value, (*path, key), under_secret or is_secret_key(key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from secret_paths(value, (*path, index), under_secret)
    elif under_secret:
        yield path


def masked(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` with every secret value replaced by :func:`mask`."""
    secret = set(secret_paths(doc))

    def walk(value: Any, path: KeyPath) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(value)]
        return mask(value) if path in secret else value

    result: dict[str, Any] = walk(doc, ())
    return result
