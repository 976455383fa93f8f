"""The stored form of a tenant's config, and its resolution into what callers get.

An entry is the JSON of ``{"t": id, "src": source, "st": status, "x": paths, "c": config}``:
``config`` is stripped of secrets and not yet interpolated; ``paths`` lists the values that
hold a ``$`` so that a read interpolates only those. Cache, database and YAML reads all go
through :func:`encode` and :func:`resolve`, so every caller gets the same private shape.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import orjson

from . import secrets
from .exceptions import InterpolationError
from .interpolation import expression_paths, interpolate_at

logger = logging.getLogger("tenant_registry")
_warned: set[tuple[str, str]] = set()
SOURCES = ("database", "yaml", "missing")


def encode(tenant_id: str, source: str, status: str, config: dict[str, Any]) -> bytes:
    stripped, removed = secrets.strip(config)
    if removed:
        logger.warning("tenant %s: dropped literal secrets at %s from %s", tenant_id, ", ".join(removed), source)
    paths = [list(p) for p in expression_paths(stripped)]
    return orjson.dumps({"t": tenant_id, "src": source, "st": status, "x": paths, "c": stripped})


def decode(tenant_id: str, raw: bytes | str) -> dict[str, Any] | None:
    """The entry of ``raw``, or None when it is not a well-formed entry of this tenant."""
    try:
        entry = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if (
        not isinstance(entry, dict)
        or entry.get("t") != tenant_id
        or entry.get("src") not in SOURCES
        or not isinstance(entry.get("st"), str)
        or not isinstance(entry.get("c"), dict)
        or not isinstance(entry.get("x"), list)
        or not all(_leads_to_text(entry["c"], path) for path in entry["x"])
    ):
        return None
    return entry


def _leads_to_text(doc: Any, path: object) -> bool:
    """Whether ``path`` is a list of keys and indexes that ends at a string of ``doc``."""
    if not isinstance(path, list) or not path:
        return False
    for step in path:
        in_dict = isinstance(doc, dict) and isinstance(step, str) and step in doc
        in_list = isinstance(doc, list) and type(step) is int and 0 <= step < len(doc)
        if not (in_dict or in_list):
            return False
        doc = doc[step]
    return isinstance(doc, str)


def resolve(entry: dict[str, Any], where: str) -> dict[str, Any]:
    """Interpolate and fill secrets in the (private) entry's config, and attach ``_meta``."""
    tenant_id: str = entry["t"]
    config: dict[str, Any] = entry["c"]

    def on_missing(name: str) -> None:
        if (where, name) not in _warned:
            _warned.add((where, name))
            logger.warning("%s: variable %s is not set; using an empty string", where, name)

    try:
        interpolate_at(config, entry["x"], os.environ, on_missing)
    except InterpolationError as exc:
        raise InterpolationError(f"{where}: {exc}") from None
    secrets.fill_from_env(tenant_id, config)
    config["_meta"] = {"source": entry["src"], "tenant_id": tenant_id, "status": entry["st"]}
    return config
