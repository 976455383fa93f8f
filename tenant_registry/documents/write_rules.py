"""The write path's rules on a config in one walk: the nesting cap, the literal secrets to strip, and
the values holding a ``$`` (whose references :mod:`.env_access` checks). Every write and every
imported file is walked once here instead of once per rule."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from .. import conf
from . import depth
from .secret_keys import rule
from .secret_values import KeyPath, is_literal, without

Expression = tuple[KeyPath, str]  # a string value holding a ``$``, and its key path


@dataclass(frozen=True)
class Checked:
    stripped: dict[str, Any]  # the config without its literal secrets: the config itself when it had none
    removed: list[KeyPath]  # where the literal secrets were, in document order
    expressions: list[Expression]  # the values of ``stripped`` holding a ``$``, in document order


@dataclass(frozen=True)
class Seal:
    """A checked config's fingerprint and the rules it was walked under: the same config under the
    same rules need not be walked again (:func:`reopen`)."""

    secret_keys: frozenset[str]
    cap: int
    digest: bytes
    expressions: list[Expression]


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


def seal(checked: Checked) -> Seal | None:
    """The seal of ``checked.stripped``, or None when it is not plain JSON (other types could
    serialise alike and check otherwise)."""
    digest = _digest(checked.stripped)
    return None if digest is None else Seal(conf.get_settings().SECRET_KEYS, depth.limit(), digest, checked.expressions)


def reopen(sealed: Seal | None, config: dict[str, Any]) -> Checked | None:
    """What :func:`check` finds in ``config`` when it is the config ``sealed`` was made of, under the
    same rules; else None."""
    if sealed is None or sealed.cap != depth.limit() or sealed.secret_keys != conf.get_settings().SECRET_KEYS:
        return None
    return Checked(config, [], sealed.expressions) if _digest(config) == sealed.digest else None


def _digest(config: dict[str, Any]) -> bytes | None:
    try:
        text = orjson.dumps(config, option=_PLAIN)
    except TypeError:
        return None
    return hashlib.blake2b(text, digest_size=16).digest()


_PLAIN = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS


def _walk(
    doc: dict[str, Any] | list[Any] | tuple[Any, ...],
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
        if isinstance(value, dict | list | tuple):  # a tuple is stored as a JSON array
            _walk(value, (*path, key), secret, level + 1, cap, is_secret, removed, expressions)
        elif secret and is_literal(value):
            removed.append((*path, key))
        elif isinstance(value, str) and "$" in value:
            expressions.append(((*path, key), value))
