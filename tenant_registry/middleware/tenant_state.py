"""Whether a tenant is active, and its config for the request: from this process's tier without
decoding the config (then decoded only if the view asks), else from one ``get_config``."""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson
from django.http import HttpRequest

from .. import cache, conf
from ..cache.local.tier import Kept
from ..exceptions import InterpolationError
from ..hosts import NeedsIO
from ..reading import lookup as read

ACTIVE = "active"
_HEAD_END = b',"x":'  # entry.build writes "t", "src", "st" before "x": the head says all we need


class Found(NamedTuple):
    status: str | None  # None: no such tenant
    kept: Kept | None  # the tier's entry, decoded only when the view reads request.tenant_config
    config: dict[str, Any] | None  # or the config itself, when it had to be loaded to know the status


def local(tenant_id: str) -> Found:
    """From the in-process tier only; NeedsIO when it does not hold a trusted entry."""
    tier = cache.local_tier()
    if tier is None or cache.any_written() or tenant_id in conf.get_settings().YAML_ONLY_TENANTS:
        raise NeedsIO(tenant_id)
    kept = tier.kept(tenant_id)
    status = None if kept is None else _status(kept.raw)
    if kept is None or status is False:
        raise NeedsIO(tenant_id)
    return Found(status, kept, None)  # type: ignore[arg-type]


def find(tenant_id: str, model: Any) -> Found:
    try:
        return local(tenant_id)
    except NeedsIO:
        pass
    try:
        config = model.objects.get_config(tenant_id)
    except InterpolationError:
        kept = _kept_after_load(tenant_id)
        if kept is None:
            raise
        return kept  # the view meets the error only if it reads request.tenant_config
    return Found(None if config is None else config["_meta"]["status"], None, config)


def _kept_after_load(tenant_id: str) -> Found | None:
    """The read keeps an entry before resolving it: a config that cannot be resolved is still found."""
    try:
        return local(tenant_id)
    except NeedsIO:
        return None


def _status(raw: bytes) -> str | bool | None:
    """The status in an entry's head (None: the "missing" entry), or False when it cannot be read there."""
    end = raw.find(_HEAD_END)
    try:
        head = orjson.loads(raw[:end] + b"}") if end > 0 else None
    except orjson.JSONDecodeError:
        return False
    if not isinstance(head, dict) or not isinstance(head.get("st"), str):
        return False
    return None if head.get("src") == "missing" else head["st"]


class _LazyConfig:
    """``request.tenant_config`` of a request whose tenant's entry the tier held: decoded on first use."""

    def __get__(self, request: HttpRequest | None, owner: type) -> Any:
        if request is None:
            return self
        config = read.answer_of(request.__dict__.pop("_tenant_kept"))
        request.__dict__["tenant_config"] = config
        return config


_classes: dict[type, type] = {}


def attach(request: HttpRequest, tenant_id: str | None, found: Found | None) -> None:
    """Set ``request.tenant`` and ``request.tenant_config`` (lazy when only the entry is at hand).
    The request's class becomes a subclass of its own with the lazy attribute, made once per class."""
    request.tenant = tenant_id  # type: ignore[attr-defined]
    if found is None or found.kept is None:
        request.tenant_config = None if found is None else found.config  # type: ignore[attr-defined]
        return
    cls = type(request)
    if "tenant_config" not in cls.__dict__:
        made = _classes.get(cls)
        if made is None:
            attrs = {"tenant_config": _LazyConfig(), "__module__": cls.__module__}
            made = _classes[cls] = type(cls.__name__, (cls,), attrs)
        request.__class__ = made
    request.__dict__.pop("tenant_config", None)
    request.__dict__["_tenant_kept"] = found.kept
