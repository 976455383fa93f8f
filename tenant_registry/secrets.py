"""Secrets: found and stripped on every write, filled from the environment on every read."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from . import conf
from .environ import environ as live_environ
from .ids import env_prefix
from .interpolation import reference_name

KeyPath = tuple[str | int, ...]


def dotted(path: KeyPath) -> str:
    return ".".join(f"[{step}]" if isinstance(step, int) else step for step in path).replace(".[", "[")


def is_secret_key(key: object) -> bool:
    return isinstance(key, str) and _is_secret_name(key, conf.get("SECRET_KEYS"))


def secret_name_test() -> Callable[[str], bool]:
    """``is_secret_key`` for string keys under the current SECRET_KEYS, memoised per key name."""
    return _name_tests(conf.get("SECRET_KEYS"))


def secret_key_needles() -> tuple[tuple[bytes, bytes], ...]:
    """What the lower-cased JSON of a document must contain somewhere if it has a secret key:
    a key ends with a secret name, so its JSON ends with the name's last word and ``":``. Each
    comes as (word, word + ``":``): the word alone is the fast search, ``":`` being everywhere."""
    return _needles(conf.get("SECRET_KEYS"))


@lru_cache(maxsize=8)
def _needles(secret_keys: frozenset[str]) -> tuple[tuple[bytes, bytes], ...]:
    words = {name.replace("-", "_").rsplit("_", 1)[-1] or name for name in secret_keys}
    return tuple((word.encode(), f'{word}":'.encode()) for word in sorted(words))


@lru_cache(maxsize=8)
def _name_tests(secret_keys: frozenset[str]) -> Callable[[str], bool]:
    known: dict[str, bool] = {}

    def test(key: str) -> bool:
        hit = known.get(key)
        if hit is None:
            if len(known) > 8192:
                known.clear()
            hit = known[key] = _is_secret_name(key, secret_keys)
        return hit

    return test


@lru_cache(maxsize=8192)
def _is_secret_name(key: str, secret_keys: frozenset[str]) -> bool:
    name = key.lower()
    return any(name == s or name.endswith(("_" + s, "-" + s)) for s in secret_keys)


def is_literal(value: object) -> bool:
    """A value that would be stored as a secret: not empty, not a lone ``${VAR}`` reference."""
    return _is_literal(value)


def _is_literal(value: object) -> bool:
    if isinstance(value, bool) or value is None or value == "":
        return False
    if isinstance(value, str):
        return reference_name(value) is None
    return isinstance(value, int | float)


def secret_scalars(doc: Any, path: KeyPath = (), under_secret: bool = False) -> Iterator[tuple[KeyPath, Any]]:
    """Every scalar under a secret key, whatever its value, with its path."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from secret_scalars(value, (*path, key), under_secret or is_secret_key(key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from secret_scalars(value, (*path, index), under_secret)
    elif under_secret:
        yield path, doc


def literal_secrets(doc: Any, path: KeyPath = (), under_secret: bool = False) -> Iterator[KeyPath]:
    """Paths of literal secret values: scalars under a secret key that are not a ``${VAR}`` reference."""
    found: list[KeyPath] = []
    if isinstance(doc, dict | list):
        _collect(doc, path, under_secret, conf.get("SECRET_KEYS"), found)
    elif under_secret and _is_literal(doc):
        found.append(path)
    return iter(found)


def _collect(doc: Any, path: KeyPath, under: bool, secret_keys: frozenset[str], found: list[KeyPath]) -> None:
    """Append to ``found`` in document order; runs on every cache fill, so it walks without generators."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for key, value in items:
        secret = under or (isinstance(key, str) and _is_secret_name(key, secret_keys))
        if isinstance(value, dict | list):
            _collect(value, (*path, key), secret, secret_keys, found)
        elif secret and _is_literal(value):
            found.append((*path, key))


def strip(doc: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A copy without literal secrets, and the dotted paths that were removed."""
    removed = list(literal_secrets(doc))
    if not removed:
        return doc, []
    stripped = _copy(doc)
    for path in sorted(removed, key=lambda p: [str(s) for s in p], reverse=True):
        parent: Any = stripped
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
    return stripped, [dotted(p) for p in removed]


def _copy(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _copy(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_copy(v) for v in doc]
    return doc


def env_lookup(tenant_id: str, variable: str, environ: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """The value of a secret variable and where it came from: "tenant", "global" or "missing"."""
    env = live_environ if environ is None else environ
    own = env.get(_prefix(tenant_id) + variable)
    if own:
        return own, "tenant"
    shared = env.get(variable)
    if shared:
        return shared, "global"
    return None, "missing"


def fill_from_env(tenant_id: str, config: dict[str, Any]) -> dict[str, str]:
    """Fill SECRET_ENV paths whose section exists and whose value is absent or empty, in place.

    Returns where each known secret path came from: "config", "tenant", "global" or "missing".
    Runs on every read, so the paths are split once per SECRET_ENV and the lookups are inlined.
    """
    sources: dict[str, str] = {}
    own = _prefix(tenant_id)
    get = live_environ.get
    for dotted_path, parents, leaf, variable in _targets(conf.get("SECRET_ENV")):
        section: Any = config
        for step in parents:
            section = section.get(step) if type(section) is dict else None
        if type(section) is not dict:
            continue
        if section.get(leaf) not in (None, ""):
            sources[dotted_path] = "config"
            continue
        value = get(own + variable)
        if value:
            sources[dotted_path] = "tenant"
        else:
            value = get(variable)
            sources[dotted_path] = "global" if value else "missing"
        if value:
            section[leaf] = value
    return sources


_compiled: tuple[object, tuple[tuple[str, tuple[str, ...], str, str], ...]] = (None, ())


def _targets(secret_env: dict[str, str]) -> tuple[tuple[str, tuple[str, ...], str, str], ...]:
    """SECRET_ENV as (dotted path, parents, leaf, variable), kept while the settings object is."""
    global _compiled
    if _compiled[0] is not secret_env:
        _compiled = (secret_env, tuple((path, *_split(path), variable) for path, variable in secret_env.items()))
    return _compiled[1]


def unset_variables(tenant_id: str, config: dict[str, Any], environ: Mapping[str, str] | None = None) -> list[str]:
    """``<key path> (${VAR})`` for each ``${VAR}`` reference under a secret key of an uninterpolated
    config whose variable is unset or empty (and, at a SECRET_ENV path, that has no environment
    fallback either): the secrets that would resolve to nothing."""
    env = os.environ if environ is None else environ
    secret_env: dict[str, str] = conf.get("SECRET_ENV")
    problems: list[str] = []
    for path, value in secret_scalars(config):
        name = reference_name(value)
        if name is None or env.get(name):
            continue
        variable = secret_env.get(dotted(path))
        if variable and env_lookup(tenant_id, variable, env)[0]:
            continue
        problems.append(f"{dotted(path)} (${{{name}}})")
    return problems


@lru_cache(maxsize=256)
def _split(dotted_path: str) -> tuple[tuple[str, ...], str]:
    *parents, leaf = dotted_path.split(".")
    return tuple(parents), leaf


@lru_cache(maxsize=4096)
def _prefix(tenant_id: str) -> str:
    return env_prefix(tenant_id)
