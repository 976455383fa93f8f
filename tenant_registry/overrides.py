"""The configs ``override_tenant_config`` (``testing.py``) puts in front of ``get_config``.

Process-wide, like ``override_settings``: every thread of the process sees them. ``active`` is one
dict, changed in place, that the read path holds: while no override is on, a read pays one truth
test of an empty dict.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import orjson

from .documents.merge_patch import merge_patch
from .exceptions import InvalidConfig

Chain = tuple["Layer", ...]


class Layer:
    """One override of one tenant: its config's JSON (``b"null"``: an unknown tenant) and whether
    it is merged into the config below it (RFC 7386) or replaces it."""

    __slots__ = ("merge", "raw", "tenant_id")

    def __init__(self, tenant_id: str, raw: bytes, merge: bool) -> None:
        self.tenant_id, self.raw, self.merge = tenant_id, raw, merge


_lock = threading.Lock()
_layers: list[Layer] = []  # in the order they were entered
active: dict[str, Chain] = {}  # tenant id -> its layers, innermost last


def encode(tenant_id: str, config: object) -> bytes:
    """The override's JSON; refuses what ``get_config`` could never answer."""
    if config is not None and not isinstance(config, dict):
        raise InvalidConfig(
            f"override_tenant_config({tenant_id!r}): config must be a dict or None, got {type(config).__name__}"
        )
    meta = None if config is None else config.get("_meta")
    if meta is not None and not (isinstance(meta, dict) and isinstance(meta.get("status", ""), str)):
        raise InvalidConfig(f"override_tenant_config({tenant_id!r}): _meta must be a dict with a string status")
    try:
        return orjson.dumps(config)
    except TypeError as exc:
        raise InvalidConfig(f"override_tenant_config({tenant_id!r}): config is not JSON: {exc}") from None


def push(layer: Layer) -> None:
    with _lock:
        _layers.append(layer)
        _rebuild()


def remove(layer: Layer) -> None:
    """Take ``layer`` out wherever it is, so each override restores exactly what it changed."""
    with _lock:
        for index in range(len(_layers) - 1, -1, -1):
            if _layers[index] is layer:
                del _layers[index]
                break
        _rebuild()


def _rebuild() -> None:
    """One key at a time, so a reader on another thread sees a tenant's old chain or its new one."""
    chains: dict[str, list[Layer]] = {}
    for layer in _layers:
        chains.setdefault(layer.tenant_id, []).append(layer)
    for tenant_id in [t for t in active if t not in chains]:
        del active[tenant_id]
    for tenant_id, layers in chains.items():
        active[tenant_id] = tuple(layers)


def without_io(tenant_id: str) -> tuple[dict[str, Any] | None] | None:
    """The answer as a 1-tuple when no layer merges into the real config (so no read), else None."""
    chain = active.get(tenant_id)
    if not chain or all(layer.merge for layer in chain):
        return None
    return (_compose(tenant_id, chain, lambda: None),)


def answer(tenant_id: str, real: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
    """The overridden config, a private copy with ``_meta``; ``real`` (the tenant's config past
    every cache) is called only when every layer merges."""
    chain = active.get(tenant_id)
    return real() if not chain else _compose(tenant_id, chain, real)  # not chain: ended on another thread


def _compose(tenant_id: str, chain: Chain, real: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
    start = max((i for i, layer in enumerate(chain) if not layer.merge), default=-1)
    doc: Any = real() if start < 0 else orjson.loads(chain[start].raw)
    for layer in chain[start + 1 :]:
        doc = merge_patch(doc, orjson.loads(layer.raw))
    if not isinstance(doc, dict):
        return None
    meta = doc.get("_meta")
    status = meta.get("status", "active") if isinstance(meta, dict) else "active"
    doc["_meta"] = {"source": "override", "tenant_id": tenant_id, "status": status}
    return doc
