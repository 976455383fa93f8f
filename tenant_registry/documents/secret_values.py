"""Secrets: found and stripped on every write, filled from the environment (or its files) on every read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from .. import conf
from ..exceptions import InterpolationError
from ..ids import env_prefix
from .environ import Reads
from .environ import environ as live_environ
from .interpolation import is_pure_reference, reference_name
from .secret_keys import secret_test

KeyPath = tuple[str | int, ...]


def dotted(path: KeyPath) -> str:
    return ".".join(f"[{step}]" if isinstance(step, int) else step for step in path).replace(".[", "[")


def walk(doc: Any, path: KeyPath = (), under_secret: bool = False) -> Iterator[tuple[KeyPath, Any, bool]]:
    """Every scalar of ``doc`` with its path and whether it sits under a secret key: the one tree
    walk of the document rules (the hot cache-fill scan in ``entry`` is the only other)."""
    found: list[tuple[KeyPath, Any, bool]] = []
    _walk(doc, path, under_secret, secret_test(), found)
    return iter(found)


def _walk(doc: Any, path: KeyPath, under: bool, secret: Callable[[str], bool], found: list[Any]) -> None:
    # Appends instead of nesting generators: every write and every import walks each document.
    if type(doc) is dict:
        for key, value in doc.items():
            _walk(value, (*path, key), under or (type(key) is str and secret(key)), secret, found)
    elif type(doc) is list or type(doc) is tuple:  # a tuple is stored as a JSON array
        for index, value in enumerate(doc):
            _walk(value, (*path, index), under, secret, found)
    else:
        found.append((path, doc, under))


def is_literal(value: object) -> bool:
    """A value that would be stored as a secret: not empty, not one pure ``${VAR}`` expression."""
    if isinstance(value, bool) or value is None or value == "":
        return False
    if isinstance(value, str):
        return not is_pure_reference(value)
    return isinstance(value, int | float)


def secret_scalars(doc: Any) -> Iterator[tuple[KeyPath, Any]]:
    """Every scalar under a secret key, whatever its value, with its path (``walk``'s order)."""
    found: list[tuple[KeyPath, Any]] = []
    if type(doc) is dict or type(doc) is list or type(doc) is tuple:
        _under_secret(doc, (), False, secret_test(), found)
    return iter(found)


def _under_secret(doc: Any, path: KeyPath, under: bool, secret: Callable[[str], bool], found: list[Any]) -> None:
    # walk() narrowed to what check --database asks of every row: no path is built for other scalars.
    items = doc.items() if type(doc) is dict else enumerate(doc)
    keyed = type(doc) is dict
    for key, value in items:
        inner = under or (keyed and type(key) is str and secret(key))
        if type(value) is dict or type(value) is list or type(value) is tuple:
            _under_secret(value, (*path, key), inner, secret, found)
        elif inner:
            found.append(((*path, key), value))


def literal_secrets(doc: Any) -> Iterator[KeyPath]:
    """Paths of literal secret values: scalars under a secret key that are not a pure reference."""
    return (path for path, value in secret_scalars(doc) if is_literal(value))


def strip(doc: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A copy without literal secrets, and the dotted paths that were removed."""
    removed = list(literal_secrets(doc))
    if not removed:
        return doc, []
    return without(doc, removed), [dotted(p) for p in removed]


def without(doc: dict[str, Any], paths: list[KeyPath]) -> dict[str, Any]:
    """A copy of ``doc`` without the values at ``paths``."""
    stripped: dict[str, Any] = _copy(doc)
    # Deepest and last first, so that deleting one never shifts the index of another.
    for path in sorted(paths, key=_order, reverse=True):
        parent: Any = stripped
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
    return stripped


def _order(path: KeyPath) -> list[tuple[str, int]]:
    return [(step, 0) if isinstance(step, str) else ("", step) for step in path]


def _copy(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _copy(v) for k, v in doc.items()}
    if isinstance(doc, list | tuple):
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


def fill_from_env(tenant_id: str, config: dict[str, Any], reads: Reads | None = None) -> dict[str, str]:
    """Fill SECRET_ENV paths whose section exists and whose value is absent or empty, in place.

    Returns where each known secret path came from: "config", "tenant", "global" or "missing".
    Runs on every read, so the paths are split once per SECRET_ENV and the lookups are inlined.
    ``reads`` records the environment lookups (:meth:`Environ.unchanged`).
    """
    sources: dict[str, str] = {}
    own = _prefix(tenant_id)
    get = live_environ.getter(reads)
    for dotted_path, parents, leaf, variable in _targets(conf.get_settings().SECRET_ENV):
        section: Any = config
        for step in parents:
            section = section.get(step) if type(section) is dict else None
        if type(section) is not dict:
            continue
        if section.get(leaf) not in (None, ""):
            sources[dotted_path] = "config"
            continue
        try:
            value = get(own + variable)
            if value:
                sources[dotted_path] = "tenant"
            else:
                value = get(variable)
                sources[dotted_path] = "global" if value else "missing"
        except InterpolationError as exc:  # a file that cannot be read
            raise InterpolationError(f"at {dotted_path}: {exc}") from None
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
    config whose variable is found nowhere (the environment, its ``_FILE``, SECRET_DIRS) or empty
    (and, at a SECRET_ENV path, that has no fallback either): the secrets that would resolve to
    nothing. A file that cannot be read is named with why."""
    env = live_environ if environ is None else environ
    secret_env: dict[str, str] = conf.get_settings().SECRET_ENV
    problems: list[str] = []
    for path, value in secret_scalars(config):
        name = reference_name(value)
        if name is None:
            continue
        try:
            if env.get(name):
                continue
            variable = secret_env.get(dotted(path))
            if variable and env_lookup(tenant_id, variable, env)[0]:
                continue
        except InterpolationError as exc:
            problems.append(f"{dotted(path)} (${{{name}}}: {exc})")
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
