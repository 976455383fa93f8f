"""Masking secret values for display: pure functions over a resolved (or stored) config."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .. import conf
from ..exceptions import InterpolationError
from ..kinds import Source
from . import env_access
from .environ import environ
from .interpolation import interpolate_string, reference_name
from .secret_keys import is_secret_key
from .secret_values import KeyPath, walk

SHOWN_FROM = 16  # shorter values show only "set": a prefix and suffix would reveal too much of them


def mask_value(value: object, short: bool = False) -> str:
    """``sk-…9f2c`` for a long value, "set" for a short one (or one ``short`` says holds a short
    value: see :func:`env_value_paths`), "missing" for an empty one."""
    text = "" if value is None else str(value)
    if not text:
        return "missing"
    if short or len(text) < SHOWN_FROM:
        return "set"
    return f"{text[:3]}…{text[-4:]}"


def mask_secrets(config: dict[str, Any], from_env: Mapping[KeyPath, bool] | Iterable[KeyPath] = ()) -> dict[str, Any]:
    """A copy with every value under a secret key, at every SECRET_ENV path and at ``from_env``
    (see :func:`env_value_paths`) masked.

    A ``${VAR}`` reference is not a secret (it names where the value comes from) and is kept.
    """
    env_paths: set[KeyPath] = {tuple(path.split(".")) for path in conf.get_settings().SECRET_ENV}
    env_paths.update(from_env)
    short = {path for path, hidden in from_env.items() if hidden} if isinstance(from_env, Mapping) else set()
    masked: dict[str, Any] = _mask(config, (), False, env_paths, short)
    return masked


def env_value_paths(tenant_id: str, stored: dict[str, Any], source: str) -> dict[KeyPath, bool]:
    """Paths of the values that take text from the environment when ``stored`` (a config before
    interpolation) is resolved, except text from variables that ENV_ALLOW marks public; each with
    whether a value shorter than SHOWN_FROM went in. Such a value shows only as "set": literal text
    or a long variable around it would otherwise make the whole long enough to show its ends."""
    env: Mapping[str, str] = env_access.TenantEnviron(tenant_id) if source == Source.DATABASE else environ
    found: dict[KeyPath, bool] = {}
    for path, value, _ in walk(stored):
        if not isinstance(value, str) or "$" not in value:
            continue
        used: list[str] = []
        try:
            interpolate_string(value, env, None, used)
        except InterpolationError:
            continue
        masked = [name for name in used if not env_access.is_public(name)]
        if masked:
            found[path] = any(len(env.get(name) or "") < SHOWN_FROM for name in masked)
    return found


def _mask(doc: Any, path: KeyPath, secret: bool, env_paths: set[KeyPath], short: set[KeyPath]) -> Any:
    if isinstance(doc, dict):
        return {
            key: _mask(value, (*path, key), secret or is_secret_key(key) or (*path, key) in env_paths, env_paths, short)
            for key, value in doc.items()
        }
    if isinstance(doc, list):
        return [_mask(value, (*path, index), secret, env_paths, short) for index, value in enumerate(doc)]
    if path in env_paths and isinstance(doc, str) and not secret:
        return mask_value(doc, path in short)
    if not secret or isinstance(doc, bool) or doc is None or reference_name(doc) is not None:
        return doc
    return mask_value(doc, path in short)
