"""The cache fill's scan of a config: the values holding a ``$`` (the only ones a read
interpolates), and whether a literal secret is present (then the fill strips the careful way,
:func:`.secrets.strip`). It runs on every miss, so it walks only the top-level sections that may
matter: one whose JSON holds no ``$`` and no word that a secret key must contain
(:meth:`.secret_keys.Rule.needles`) cannot change the entry, and serialising it costs less than
walking it. The largest section is not even serialised when the JSON text the config was read from
shows it clean (:meth:`_Counts.covers`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from .interpolation import Path
from .secret_keys import Rule, rule, visible
from .secret_values import is_literal

COUNT_BYTES = 8192  # below this, serialising the largest section costs less than counting the whole text


def scan(config: dict[str, Any], text: bytes | None = None) -> tuple[list[Path], bool]:
    """The paths of the string values holding a ``$`` in document order, and whether a literal
    secret is present (the scan stops at the first: the paths are then incomplete). ``text`` is
    the JSON ``config`` was parsed from, if it was."""
    current = rule()
    is_secret = current.is_secret
    sections = _sections(config, text, current)
    paths: list[Path] = []
    for key, value in config.items():
        kind = type(value)
        if kind is dict or kind is list:
            if key in sections and _walk(value, (key,), sections[key], is_secret, paths):
                return paths, True
            continue
        if kind is str and "$" in value:
            paths.append((key,))
        if type(key) is str and is_secret(key) and is_literal(value):
            return paths, True
    return paths, False


def _sections(config: dict[str, Any], text: bytes | None, current: Rule) -> dict[Any, bool]:
    """The container sections to walk, each with whether its own key is secret."""
    is_secret, needles = current.is_secret, current.needles
    largest = _largest(config, text, current)
    counted = _Counts(needles) if largest is not None else None
    chosen: dict[Any, bool] = {}
    for key, value in config.items():
        kind = type(value)
        if counted is not None:
            counted.add(key)
            if kind is str:
                counted.add(value)
        if not (kind is dict or kind is list) or key == largest:
            continue
        if type(key) is str and is_secret(key):
            chosen[key] = True  # left out of the counts: the largest section is then serialised too
            continue
        folded = _folded(orjson.dumps(value))
        if counted is not None:
            counted.add_folded(folded)
        if _may_matter(folded, needles):
            chosen[key] = False
    if largest is not None:
        assert counted is not None and text is not None
        if not counted.covers(text):
            folded = _folded(orjson.dumps(config[largest]))
            if _may_matter(folded, needles):
                chosen[largest] = False
    return chosen


def _largest(config: dict[str, Any], text: bytes | None, current: Rule) -> Any:
    """The section :meth:`_Counts.covers` may show clean: the container with the most items,
    when ``text`` is long, plain ASCII (no ``\\u`` escape, so every letter is written as itself) and
    no needle could occur inside a number or a literal."""
    if text is None or len(text) < COUNT_BYTES or not current.countable:
        return None
    if not text.isascii() or (b"\\" in text and b"\\u" in text):  # a memchr finds no backslash at once
        return None
    best, size = None, -1
    for key, value in config.items():
        kind = type(value)
        if (kind is dict or kind is list) and len(value) > size:
            best, size = key, len(value)
    if best is None or type(best) is not str or current.is_secret(best):
        return None
    return best


class _Counts:
    """Everything of the config but its largest section (its top-level keys, string values and
    other sections), to count ``$`` and each needle in."""

    def __init__(self, needles: tuple[bytes, ...]) -> None:
        self.needles = needles
        self.pieces: list[bytes] = []

    def add(self, text: object) -> None:
        if type(text) is str:
            self.pieces.append(text.encode())

    def add_folded(self, folded: bytes) -> None:
        self.pieces.append(folded)

    def covers(self, text: bytes) -> bool:
        """Whether ``text`` holds no more of them than counted: then the largest section holds
        none. Sound because every string of the config is written in ``text`` with its letters
        and ``$`` as they are (no ``\\u`` escape), and a needle never occurs in a number or literal."""
        counted = _folded(b"\n".join(self.pieces))
        dollars = counted.count(b"$")
        if _occurrences(text, b"$", dollars + 1) > dollars:
            return False
        folded = text.lower()
        return all(folded.count(needle) <= counted.count(needle) for needle in self.needles)


def _occurrences(text: bytes, char: bytes, most: int) -> int:
    """How many times ``char`` occurs in ``text``, counting up to ``most``: each find is a memchr,
    where ``count`` would read every byte."""
    found, at = 0, text.find(char)
    while at >= 0 and found < most:
        found += 1
        at = text.find(char, at + 1)
    return found


def _folded(text: bytes) -> bytes:
    return text.lower() if text.isascii() else visible(text.decode()).casefold().encode()


def _may_matter(folded: bytes, needles: tuple[bytes, ...]) -> bool:
    if b"$" in folded:
        return True
    for needle in needles:  # noqa: SIM110 - a generator costs more than the search on small sections
        if needle in folded:
            return True
    return False


def _walk(
    doc: dict[str, Any] | list[Any], path: Path, under: bool, is_secret: Callable[[str], bool], paths: list[Path]
) -> bool:
    """Collect the paths of values holding a ``$``; True at the first literal secret."""
    if type(doc) is dict:
        for key, value in doc.items():
            kind = type(value)
            if kind is str:
                if "$" in value:
                    paths.append((*path, key))
                if (under or (type(key) is str and is_secret(key))) and is_literal(value):
                    return True
            elif kind is dict or kind is list:
                if _walk(value, (*path, key), under or (type(key) is str and is_secret(key)), is_secret, paths):
                    return True
            elif (under or (type(key) is str and is_secret(key))) and is_literal(value):
                return True
        return False
    for index, value in enumerate(doc):
        kind = type(value)
        if kind is str:
            if "$" in value:
                paths.append((*path, index))
            if under and is_literal(value):
                return True
        elif kind is dict or kind is list:
            if _walk(value, (*path, index), under, is_secret, paths):
                return True
        elif under and is_literal(value):
            return True
    return False
