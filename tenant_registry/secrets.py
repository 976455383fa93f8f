"""Secrets: found and stripped on every write, filled from the environment on every read."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from typing import Any

from . import conf
from .ids import env_prefix
from .interpolation import reference_name

KeyPath = tuple[str | int, ...]


def dotted(path: KeyPath) -> str:
    return ".".join(f"[{step}]" if isinstance(step, int) else step for step in path).replace(".[", "[")


def is_secret_key(key: object) -> bool:
    """A key named like a secret: one of SECRET_KEYS, or ending in ``_<it>`` or ``-<it>``."""
    if not isinstance(key, str):
        return False
    return _matches_secret_key(conf.get("SECRET_KEYS"), key)


@lru_cache(maxsize=8192)
def _matches_secret_key(keys: frozenset[str], key: str) -> bool:
    return _secret_key_pattern(keys).fullmatch(key.lower()) is not None


@cache
def _secret_key_pattern(keys: frozenset[str]) -> re.Pattern[str]:
    if not keys:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile(rf"(?:.*[_-])?(?:{'|'.join(sorted(map(re.escape, keys)))})", re.DOTALL)


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


def literal_secrets(doc: Any) -> Iterator[KeyPath]:
    """Paths of literal secret values: scalars under a secret key that are not a ``${VAR}`` reference."""
    return (path for path, value in secret_scalars(doc) if _is_literal(value))


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
    env = os.environ if environ is None else environ
    own = env.get(env_prefix(tenant_id) + variable)
    if own:
        return own, "tenant"
    shared = env.get(variable)
    if shared:
        return shared, "global"
    return None, "missing"


def fill_from_env(tenant_id: str, config: dict[str, Any]) -> dict[str, str]:
    """Fill SECRET_ENV paths whose section exists and whose value is absent or empty, in place.

    Returns where each known secret path came from: "config", "tenant", "global" or "missing".
    """
    sources: dict[str, str] = {}
    for dotted_path, variable in conf.get("SECRET_ENV").items():
        *parents, leaf = dotted_path.split(".")
        section: Any = config
        for step in parents:
            section = section.get(step) if isinstance(section, dict) else None
        if not isinstance(section, dict):
            continue
        if section.get(leaf) not in (None, ""):
            sources[dotted_path] = "config"
            continue
        value, source = env_lookup(tenant_id, variable)
        sources[dotted_path] = source
        if value is not None:
            section[leaf] = value
    return sources


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
