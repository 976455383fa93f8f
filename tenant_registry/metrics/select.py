"""``TENANT_REGISTRY["METRICS"]``: which observer the registry reports to, chosen once per settings
change (the read path never asks whether metrics are on).

A value is None (off), a backend name (``"prometheus"``, ``"otel"``), the dotted path of an
:class:`~tenant_registry.observer.Observer` subclass, or a list of those.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .. import conf, observer
from ..observer import Observer
from ..reading import lookup as read
from .observed import Observed, readers

logger = logging.getLogger("tenant_registry")
BACKENDS = {
    "prometheus": ("tenant_registry.metrics.prometheus.PrometheusObserver", "prometheus"),
    "otel": ("tenant_registry.metrics.otel.OtelObserver", "otel"),
}
_lock = threading.Lock()


def names(value: Any) -> list[str]:
    """The backends a METRICS value names, in order; ImproperlyConfigured for a value of the wrong shape."""
    if value is None or value == "" or value == ():
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(v, str) and v for v in value):
        return list(value)
    raise ImproperlyConfigured(
        f"TENANT_REGISTRY['METRICS'] must be None, a backend name ({', '.join(BACKENDS)}), the dotted path of an "
        f"Observer subclass, or a list of those; got {value!r}"
    )


def backend_class(name: str) -> type[Observer]:
    """The class a name stands for; ImproperlyConfigured naming the extra to install or the bad path."""
    path, extra = BACKENDS.get(name, (name, ""))
    try:
        found = import_string(path)
    except ImportError as exc:
        if extra:
            raise ImproperlyConfigured(
                f"TENANT_REGISTRY['METRICS'] names {name!r}, which needs: pip install django-tenant-registry[{extra}]"
                f" ({exc})"
            ) from exc
        raise ImproperlyConfigured(f"TENANT_REGISTRY['METRICS']: cannot import {name!r} ({exc})") from exc
    if not (isinstance(found, type) and issubclass(found, Observer)):
        raise ImproperlyConfigured(f"TENANT_REGISTRY['METRICS']: {name!r} is not an Observer subclass")
    return found


def install() -> Observer:
    """Build the observer the settings name and put it (and the observed read path) in place."""
    with _lock:
        _close(observer.current)
        chosen = [backend_class(name)() for name in names(conf.get_settings().METRICS)]
        if not chosen:
            observer.use(observer.NOTHING)
            read.lookup, read.lookup_local = read.get_config, read.from_local
            return observer.NOTHING
        observed = Observed(chosen)
        observer.use(observed)
        read.lookup, read.lookup_local = readers(observed)
        return observed


def install_or_off() -> None:
    """:func:`install`; a bad METRICS leaves metrics off, with one ERROR (checks E010, E011 say more)."""
    try:
        install()
    except ImproperlyConfigured as exc:
        logger.error("metrics are off: %s", exc)
        observer.use(observer.NOTHING)
        read.lookup, read.lookup_local = read.get_config, read.from_local


def flush() -> None:
    """Hand what this process counted to the backends now (a scrape, the admin)."""
    for backend in getattr(observer.current, "backends", ()):
        getattr(backend, "flush", lambda: None)()


def _close(current: Observer) -> None:
    for backend in getattr(current, "backends", ()):
        getattr(backend, "close", lambda: None)()
