"""The write path's rules on a config in one walk: the nesting cap, the literal secrets to strip, and
the values holding a ``$`` (whose references :mod:`.env_access` checks). Every write and every
imported file is walked once here instead of once per rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import depth
from .secret_keys import rule
from .secrets import KeyPath, is_literal, without

Expression = tuple[KeyPath, str]  # a string value holding a ``$``, and its key path


@dataclass(frozen=True)
class Checked:
    stripped: dict[str, Any]  # the config without its literal secrets: the config itself when it had none
    removed: list[KeyPath]  # where the literal secrets were, in document order
    expressions: list[Expression]  # the values of ``stripped`` holding a ``$``, in document order


class _TooDeep(Exception):
    pass


def check(tenant_id: str, config: dict[str, Any]) -> Checked:
    """Raises InvalidConfig (naming the key path) for a config nested deeper than MAX_YAML_DEPTH,
    which the walk notices before it goes past the cap."""
    removed: list[KeyPath] = []
    expressions: list[Expression] = []
    try:
        _walk(config, (), False, 1, depth.limit(), rule().is_secret, removed, expressions)
    except _TooDeep:
        depth.check_doc(tenant_id, config)  # raises, with the path the depth rule reports
        raise AssertionError("the walk and the depth rule disagree") from None
    return Checked(without(config, removed) if removed else config, removed, expressions)


def _walk(
    doc: dict[str, Any] | list[Any],
    path: KeyPath,
    under: bool,
    level: int,
    cap: int,
    is_secret: Callable[[str], bool],
    removed: list[KeyPath],
    expressions: list[Expression],
) -> None:
    if level >= cap and doc:
        raise _TooDeep
    keyed = isinstance(doc, dict)
    for key, value in doc.items() if keyed else enumerate(doc):  # type: ignore[union-attr]
        secret = under or (keyed and type(key) is str and is_secret(key))
        if isinstance(value, dict | list):
            _walk(value, (*path, key), secret, level + 1, cap, is_secret, removed, expressions)
        elif secret and is_literal(value):
            removed.append((*path, key))
        elif isinstance(value, str) and "$" in value:
            expressions.append(((*path, key), value))
