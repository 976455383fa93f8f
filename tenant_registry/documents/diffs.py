"""Old -> new differences between two revisions: fields, then config key paths, secrets redacted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from .interpolation import reference_name
from .secret_keys import is_secret_key
from .secret_values import KeyPath, dotted

REDACTED = "[redacted]"
ABSENT_TEXT = "(absent)"
ABSENT = object()
FIELDS = ("name", "status", "config_source")


@dataclass(frozen=True)
class Change:
    path: str
    kind: str  # "added", "removed" or "changed"
    old: str = ""
    new: str = ""


def changes(old: Any, new: Any) -> list[Change]:
    """Differences between two rows (models or history records); ``old`` None means created."""
    if old is None:
        found = [Change(name, "added", "", _show(getattr(new, name), False)) for name in FIELDS]
    else:
        found = [
            Change(name, "changed", _show(getattr(old, name), False), _show(getattr(new, name), False))
            for name in FIELDS
            if getattr(old, name) != getattr(new, name)
        ]
    found.extend(config_changes({} if old is None else old.config, new.config))
    return found


def config_changes(old: Any, new: Any, path: KeyPath = ("config",), secret: bool = False) -> list[Change]:
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[Change] = []
        for key in [*old, *(k for k in new if k not in old)]:
            under = secret or is_secret_key(key)
            found.extend(config_changes(old.get(key, ABSENT), new.get(key, ABSENT), (*path, key), under))
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            c for i, (a, b) in enumerate(zip(old, new, strict=True)) for c in config_changes(a, b, (*path, i), secret)
        ]
    if old is ABSENT:
        return [Change(dotted(path), "added", "", _show(new, secret))]
    if new is ABSENT:
        return [Change(dotted(path), "removed", _show(old, secret), "")]
    if same(old, new):
        return []
    return [Change(dotted(path), "changed", _show(old, secret), _show(new, secret))]


def field_changes(name: str, old: Any, new: Any) -> list[Change]:
    return [] if same(old, new) else [Change(name, "changed", _show(old, False), _show(new, False))]


def line(change: Change) -> str:
    """``path: old -> new``, as ``import_tenants --diff`` prints it."""
    return f"{change.path}: {change.old or ABSENT_TEXT} -> {change.new or ABSENT_TEXT}"


def same(a: Any, b: Any) -> bool:
    """JSON equality: unlike ``==``, 1, 1.0 and true differ, and key order does not matter."""
    if a is b:
        return True
    return orjson.dumps(a, option=orjson.OPT_SORT_KEYS) == orjson.dumps(b, option=orjson.OPT_SORT_KEYS)


def redact(value: Any, secret: bool = False) -> Any:
    """``value`` with literal secrets replaced; ``${VAR}`` references are not secrets and stay."""
    if isinstance(value, dict):
        return {k: redact(v, secret or is_secret_key(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secret) for v in value]
    if secret and value not in (None, "") and not isinstance(value, bool) and reference_name(value) is None:
        return REDACTED
    return value


def _show(value: Any, secret: bool) -> str:
    return json.dumps(redact(value, secret), ensure_ascii=False)
