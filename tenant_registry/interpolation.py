"""Compose-style ``${VAR}`` interpolation as pure functions over parsed documents.

Supported: ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?message}``,
``${VAR?message}`` and ``$$`` for a literal ``$``. A ``$`` followed by anything else is
kept as it is. Values are substituted as strings after parsing and never re-parsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .exceptions import InterpolationError

_TOKEN = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<bad>\{))"
)

Path = tuple[str | int, ...]
OnMissing = Callable[[str], None]


def interpolate_string(value: str, env: Mapping[str, str], on_missing: OnMissing | None = None) -> str:
    if "$" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["bad"]:
            raise InterpolationError(f"malformed expression in {value!r}: unclosed or invalid '${{'")
        name, op, arg = match["name"], match["op"], match["arg"] or ""
        current = env.get(name)
        unset_or_empty = current is None or (op is not None and op.startswith(":") and current == "")
        if op in ("-", ":-"):
            return arg if unset_or_empty else str(current)
        if op in ("?", ":?"):
            if unset_or_empty:
                raise InterpolationError(f"required variable {name} is not set: {arg or 'no message'}")
            return str(current)
        if current is None:
            if on_missing is not None:
                on_missing(name)
            return ""
        return current

    return _TOKEN.sub(replace, value)


def reference_name(value: object) -> str | None:
    """The variable of a value that is exactly one ``${VAR}`` reference with no literal default."""
    if not isinstance(value, str):
        return None
    match = _TOKEN.fullmatch(value.strip())
    if match is None or not match["name"]:
        return None
    if match["op"] in ("-", ":-") and match["arg"]:
        return None
    return match["name"]


def expression_paths(doc: Any, path: Path = ()) -> Iterator[Path]:
    """Paths of the string values that hold a ``$`` (the only ones interpolation can change)."""
    found: list[Path] = []
    if isinstance(doc, dict | list):
        _collect(doc, path, found)
    elif isinstance(doc, str) and "$" in doc:
        found.append(path)
    return iter(found)


def _collect(doc: dict[str, Any] | list[Any], path: Path, found: list[Path]) -> None:
    """Append to ``found`` in document order; runs on every cache fill, so it walks without generators."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for key, item in items:
        if isinstance(item, str):
            if "$" in item:
                found.append((*path, key))
        elif isinstance(item, dict | list):
            _collect(item, (*path, key), found)


def interpolate_at(doc: Any, paths: list[Path], env: Mapping[str, str], on_missing: OnMissing | None = None) -> None:
    """Interpolate, in place, the string values at ``paths`` of a private document."""
    for path in paths:
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        try:
            parent[last] = interpolate_string(parent[last], env, on_missing)
        except InterpolationError as exc:
            where = ".".join(str(step) for step in path)
            raise InterpolationError(f"at {where}: {exc}") from None


def interpolate(doc: Any, env: Mapping[str, str], on_missing: OnMissing | None = None) -> Any:
    """A new document with every string interpolated."""
    if isinstance(doc, dict):
        return {key: interpolate(item, env, on_missing) for key, item in doc.items()}
    if isinstance(doc, list):
        return [interpolate(item, env, on_missing) for item in doc]
    if isinstance(doc, str):
        return interpolate_string(doc, env, on_missing)
    return doc
