"""Masking secret values for display: pure functions over a resolved (or stored) config."""

from __future__ import annotations

from typing import Any

from . import conf
from .interpolation import reference_name
from .secrets import is_secret_key

SHOWN_FROM = 16  # shorter values show only "set": a prefix and suffix would reveal too much of them


def mask_value(value: object) -> str:
    """``sk-…9f2c`` for a long value, "set" for a short one, "missing" for an empty one."""
    text = "" if value is None else str(value)
    if not text:
        return "missing"
    if len(text) < SHOWN_FROM:
        return "set"
    return f"{text[:3]}…{text[-4:]}"


def mask_secrets(config: dict[str, Any]) -> dict[str, Any]:
    """A copy with every value under a secret key, and at every SECRET_ENV path, masked.

    A ``${VAR}`` reference is not a secret (it names where the value comes from) and is kept.
    """
    env_paths = {tuple(path.split(".")) for path in conf.get("SECRET_ENV")}
    masked: dict[str, Any] = _mask(config, (), False, env_paths)
    return masked


def _mask(doc: Any, path: tuple[str, ...], secret: bool, env_paths: set[tuple[str, ...]]) -> Any:
    if isinstance(doc, dict):
        return {
            key: _mask(value, (*path, key), secret or is_secret_key(key) or (*path, key) in env_paths, env_paths)
            for key, value in doc.items()
        }
    if isinstance(doc, list):
        return [_mask(value, path, secret, env_paths) for value in doc]
    if not secret or isinstance(doc, bool) or doc is None or reference_name(doc) is not None:
        return doc
    return mask_value(doc)
