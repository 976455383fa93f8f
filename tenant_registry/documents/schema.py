"""Optional JSON Schema validation of every stored config (``TENANT_REGISTRY["SCHEMA"]``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from jsonschema import SchemaError, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from .. import conf
from ..exceptions import InvalidConfig, SchemaFileError
from . import json_text
from .secret_values import dotted

MAX_REPORTED = 5


def schema_path() -> Path | None:
    return conf.get_settings().SCHEMA


def get_validator() -> Validator | None:
    """The validator for the configured schema, or None when no schema is set."""
    path = schema_path()
    return None if path is None else _load(path)


@cache
def _load(path: Path) -> Validator:
    try:
        data = path.read_bytes()
        schema = orjson.loads(data)
        json_text.loads(data)  # orjson keeps the last of two equal keys: a key given twice is refused
    except OSError as exc:
        raise SchemaFileError(f"TENANT_REGISTRY['SCHEMA'] {path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:  # orjson's too
        raise SchemaFileError(f"TENANT_REGISTRY['SCHEMA'] {path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(schema, dict):
        raise SchemaFileError(f"TENANT_REGISTRY['SCHEMA'] {path}: a schema must be a JSON object")
    cls = validator_for(schema)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        where = dotted(tuple(exc.path)) or "(root)"
        message = f"not a valid JSON Schema at {where}: {exc.message}"
        raise SchemaFileError(f"TENANT_REGISTRY['SCHEMA'] {path}: {message}") from None
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def check_file(path: Path) -> None:
    """Raise SchemaFileError when ``path`` is not a usable schema (used by the system check)."""
    _load.__wrapped__(path)


def errors(config: Any, validator: Validator) -> list[str]:
    """``config.<path>: <message>`` for each failure, in document order."""
    found = sorted(validator.iter_errors(config), key=lambda e: [str(s) for s in e.absolute_path])
    return [_describe(error) for error in found]


def _describe(error: ValidationError) -> str:
    path = dotted(tuple(error.absolute_path))
    return f"config{'.' + path if path and not path.startswith('[') else path}: {error.message}"


def validate(tenant_id: str, config: dict[str, Any]) -> None:
    """Raise InvalidConfig naming the tenant and each failing key path (at most MAX_REPORTED)."""
    validator = get_validator()
    if validator is None:
        return
    problems = errors(config, validator)
    if problems:
        more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
        raise InvalidConfig(f"tenant {tenant_id}: {'; '.join(problems[:MAX_REPORTED])}{more}")


def forget() -> None:
    """Read the schema file again at the next write (settings changed)."""
    _load.cache_clear()
