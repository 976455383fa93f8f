"""Compose-style ``${VAR}`` interpolation as pure functions over parsed documents.

Braced forms behave as in Docker Compose: ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
``${VAR:?message}``, ``${VAR?message}``, ``${VAR:+alternative}``, ``${VAR+alternative}``, with
nested expansions and balanced braces inside the default, message or alternative, and ``$$``
for a literal ``$``. Unbraced ``$VAR`` is expanded only inside a braced argument; elsewhere it,
and a ``$`` followed by anything else, is kept as written (so ``$5`` in a prompt is safe).
Values are substituted as strings after parsing and never re-parsed. One departure: the message of
``${VAR:?message}`` keeps its own references unexpanded, so that an error never carries a value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..exceptions import InterpolationError

Path = tuple[str | int, ...]
OnMissing = Callable[[str], None]
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPS = (":-", ":?", ":+", "-", "?", "+")


@dataclass(frozen=True)
class Var:
    name: str
    op: str | None = None  # one of _OPS, or None for a bare ``${VAR}``
    arg: Template = ()


Template = tuple["str | Var", ...]


def parse(text: str) -> Template:
    """The parts of ``text``: literal strings and variables; raises InterpolationError if malformed."""
    return _memoised(text) if len(text) <= LONG_TEXT else _memoised_long(text)


def _parse_all(text: str) -> Template:
    parts, end = _parse(text, 0, nested=False)
    assert end == len(text)
    return parts


# Every read parses its values again, so all are memoised; long ones apart, in few places, so that
# distinct megabyte-long values (an editor's many saves) cannot fill a worker's memory.
LONG_TEXT = 16384
_memoised = lru_cache(maxsize=4096)(_parse_all)  # at most 64 M characters
_memoised_long = lru_cache(maxsize=32)(_parse_all)


def _parse(text: str, pos: int, *, nested: bool) -> tuple[Template, int]:
    """Parts from ``pos`` up to the end, or (``nested``) up to the ``}`` that closes the argument."""
    parts: list[str | Var] = []
    literal: list[str] = []
    depth = 0
    while pos < len(text):
        char = text[pos]
        if char == "$":
            var, pos = _dollar(text, pos, nested=nested, literal=literal)
            if var is not None:
                parts.extend(("".join(literal), var) if literal else (var,))
                literal = []
            continue
        if nested and char == "{":
            depth += 1
        elif nested and char == "}":
            if depth == 0:
                break
            depth -= 1
        literal.append(char)
        pos += 1
    else:
        if nested:
            raise InterpolationError(f"malformed expression in {text!r}: unclosed '${{'")
    if literal:
        parts.append("".join(literal))
    return tuple(parts), pos


def _dollar(text: str, pos: int, *, nested: bool, literal: list[str]) -> tuple[Var | None, int]:
    """Read what follows the ``$`` at ``pos``: a variable, or literal text appended to ``literal``."""
    following = text[pos + 1 : pos + 2]
    if following == "$":
        literal.append("$")
        return None, pos + 2
    if following == "{":
        return _braced(text, pos + 2)
    name = _NAME.match(text, pos + 1)
    if nested and name is not None:
        return Var(name.group()), name.end()
    literal.append("$")
    return None, pos + 1


def _braced(text: str, pos: int) -> tuple[Var, int]:
    name = _NAME.match(text, pos)
    if name is None:
        raise InterpolationError(f"malformed expression in {text!r}: '${{' must be followed by a variable name")
    pos = name.end()
    if text.startswith("}", pos):
        return Var(name.group()), pos + 1
    op = next((op for op in _OPS if text.startswith(op, pos)), None)
    if op is None:
        raise InterpolationError(f"malformed expression in {text!r}: unexpected text after ${{{name.group()}")
    arg, end = _parse(text, pos + len(op), nested=True)
    return Var(name.group(), op, arg), end + 1


def evaluate(
    template: Template, env: Mapping[str, str], on_missing: OnMissing | None = None, used: list[str] | None = None
) -> str:
    """The text of ``template``; ``used`` gets each variable whose value went into it."""
    out: list[str] = []
    for part in template:
        out.append(part if isinstance(part, str) else _variable(part, env, on_missing, used))
    return "".join(out)


def _variable(var: Var, env: Mapping[str, str], on_missing: OnMissing | None, used: list[str] | None) -> str:
    current = env.get(var.name)
    empty = current is None or (current == "" and var.op is not None and var.op.startswith(":"))
    if var.op in (":+", "+"):
        return "" if empty else evaluate(var.arg, env, on_missing, used)
    if var.op in (":-", "-") and empty:
        return evaluate(var.arg, env, on_missing, used)
    if var.op in (":?", "?") and empty:
        # The message's own references stay unexpanded: an error is shown where values are masked.
        message = source(var.arg)
        raise InterpolationError(
            f"required variable {var.name} is missing a value" + (f": {message}" if message else "")
        )
    if current is None:
        if on_missing is not None:
            on_missing(var.name)
        return ""
    if used is not None and current:
        used.append(var.name)
    return current


def source(template: Template) -> str:
    """``template`` as text with its references unexpanded (``${VAR}``), for messages."""
    return "".join(
        part if isinstance(part, str) else f"${{{part.name}{part.op or ''}{source(part.arg)}}}" for part in template
    )


def interpolate_string(
    value: str, env: Mapping[str, str], on_missing: OnMissing | None = None, used: list[str] | None = None
) -> str:
    if "$" not in value:
        return value
    return evaluate(parse(value), env, on_missing, used)


def variables(template: Template) -> Iterator[str]:
    """Every variable a template may read, nested ones included, in order."""
    for part in template:
        if isinstance(part, Var):
            yield part.name
            yield from variables(part.arg)


def is_pure_reference(value: object) -> bool:
    """Whether ``value`` is one ``${VAR}`` expression with no literal text anywhere in it, nested
    defaults, messages and alternatives included: the only form a secret may take."""
    if not isinstance(value, str) or "$" not in value:
        return False
    try:
        template = parse(value.strip())
    except InterpolationError:
        return False
    return len(template) == 1 and _pure(template[0])


def _pure(part: str | Var) -> bool:
    return isinstance(part, Var) and all(_pure(inner) for inner in part.arg)


def reference_name(value: object) -> str | None:
    """The variable of a value that is one pure ``${VAR}`` expression (see :func:`is_pure_reference`)."""
    if not is_pure_reference(value):
        return None
    part = parse(str(value).strip())[0]
    assert isinstance(part, Var)
    return part.name


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


def interpolate_at(
    doc: Any,
    paths: list[Path],
    env: Mapping[str, str],
    on_missing: OnMissing | None = None,
    used: dict[Path, list[str]] | None = None,
) -> None:
    """Interpolate, in place, the string values at ``paths`` of a private document; ``used`` gets,
    per path, the variables whose values went into it."""
    for path in paths:
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        names: list[str] | None = [] if used is not None else None
        try:
            parent[last] = interpolate_string(parent[last], env, on_missing, names)
        except InterpolationError as exc:
            where = ".".join(str(step) for step in path)
            raise InterpolationError(f"at {where}: {exc}") from None
        if used is not None and names:
            used[path] = names


def interpolate(doc: Any, env: Mapping[str, str], on_missing: OnMissing | None = None) -> Any:
    """A new document with every string interpolated."""
    if isinstance(doc, dict):
        return {key: interpolate(item, env, on_missing) for key, item in doc.items()}
    if isinstance(doc, list):
        return [interpolate(item, env, on_missing) for item in doc]
    if isinstance(doc, str):
        return interpolate_string(doc, env, on_missing)
    return doc
