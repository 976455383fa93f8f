"""The one rule for "this key holds a secret", applied to every key at every depth.

A key is normalised first: Unicode compatibility forms folded (NFKC), invisible format characters
(zero-width spaces and joiners, soft hyphens) and surrounding spaces dropped, camelCase and
letter/digit boundaries split, case folded, and every run of other characters (``-``, ``_``, ``.``,
spaces) taken as a word break. ``apiKey``, ``API-KEY``, ``" api_key "`` and the full-width form of
``API_KEY`` all become the words ``api key``. The key is secret when the words of a SECRET_KEYS
name occur in it (in order, together, or run together as one word such as ``apikey``), the last
one perhaps plural (``api_keys``, ``secrets``; not ``tokens``, which configs count), and every word
after them is a qualifier (``key``, ``access``, ``value``, ``pem``) or a number: ``smtp_password``,
``secret_key``, ``aws_secret_access_key``, ``api_key_2``, ``private_key_pem``, ``apikey`` are secret;
``token_count``, ``max_tokens``, ``password_min_length``, ``api_key_id`` are not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from .. import conf
from . import MEMO_CHARS

QUALIFIERS = frozenset({"key", "access", "value", "pem"})
COUNTED = frozenset({"token"})  # words whose plural counts rather than holds (``max_tokens``)
_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_BREAK = re.compile(r"[\W_]+")


def visible(text: str) -> str:
    """``text`` NFKC-normalised, without invisible format characters (category Cf)."""
    text = unicodedata.normalize("NFKC", text)
    return text if text.isascii() else "".join(char for char in text if unicodedata.category(char) != "Cf")


def words(key: str) -> tuple[str, ...]:
    text = visible(key).strip()
    return tuple(word for word in _BREAK.split(_BOUNDARY.sub("_", text).casefold()) if word)


def is_secret_key(key: object) -> bool:
    return isinstance(key, str) and _is_secret(key, conf.get_settings().SECRET_KEYS)


def secret_test() -> Callable[[str], bool]:
    """:func:`is_secret_key` for string keys, bound to the current SECRET_KEYS."""
    secret_keys = conf.get_settings().SECRET_KEYS
    return lambda key: _is_secret(key, secret_keys)


def _is_secret(key: str, secret_keys: frozenset[str]) -> bool:
    return _memoised(key, secret_keys) if len(key) <= MEMO_CHARS else _judge(key, secret_keys)


def _judge(key: str, secret_keys: frozenset[str]) -> bool:
    found = words(key)
    return any(_matches(found, name) for name in _names(secret_keys))


_memoised = lru_cache(maxsize=8192)(_judge)


@lru_cache(maxsize=8)
def _names(secret_keys: frozenset[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(name for name in (words(key) for key in sorted(secret_keys)) if name)


def _matches(found: tuple[str, ...], name: tuple[str, ...]) -> bool:
    joined = "".join(name)
    plural = (*name[:-1], name[-1] + "s") if name[-1] not in COUNTED else name
    for start in range(len(found)):
        if found[start : start + len(name)] in (name, plural):
            rest = found[start + len(name) :]
        elif found[start] in (joined, "".join(plural)):
            rest = found[start + 1 :]
        else:
            continue
        if all(word in QUALIFIERS or word.isdigit() for word in rest):
            return True
    return False


@lru_cache(maxsize=8)
def _needles(secret_keys: frozenset[str]) -> tuple[bytes, ...]:
    return tuple(sorted({name[-1].encode() for name in _names(secret_keys)}))


class Rule:
    """The rule for one SECRET_KEYS value, with a plain dict memo: the cache-fill scan asks it
    for every key it walks."""

    MEMO = 8192

    def __init__(self, secret_keys: frozenset[str]) -> None:
        self.secret_keys = secret_keys
        self.needles = _needles(secret_keys)
        # No needle can occur inside a JSON number or literal (true, false, null), so counting
        # needles in a document's JSON text counts only what its strings hold.
        self.countable = all(
            needle.strip(b"0123456789.eE+-") and not any(needle in word for word in (b"true", b"false", b"null"))
            for needle in self.needles
        )
        self._memo: dict[str, bool] = {}

    def is_secret(self, key: str) -> bool:
        found = self._memo.get(key)
        if found is None:
            if len(key) > MEMO_CHARS:
                return _judge(key, self.secret_keys)
            if len(self._memo) >= self.MEMO:
                self._memo.clear()
            found = self._memo[key] = _is_secret(key, self.secret_keys)
        return found


_rule: Rule | None = None


def rule() -> Rule:
    """The :class:`Rule` of the current SECRET_KEYS."""
    global _rule
    secret_keys = conf.get_settings().SECRET_KEYS
    current = _rule
    if current is None or current.secret_keys is not secret_keys:
        current = _rule = Rule(secret_keys)
    return current
