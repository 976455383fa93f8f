"""System checks on METRICS (ids in the README's checks table): E010 a backend's extra is not
installed, E011 a METRICS value that names nothing usable, W015 a PROMETHEUS_MULTIPROC_DIR that is not
a writable directory, W016 prometheus under gunicorn without multiprocess mode."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured

from .. import conf
from ..metrics.select import BACKENDS, backend_class, names

MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"
logger = logging.getLogger("tenant_registry")


def check_metrics(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not isinstance(getattr(settings, conf.SETTING_NAME, {}), dict):
        return []  # E001 says why
    return metrics_messages(
        getattr(settings, conf.SETTING_NAME, {}).get("METRICS"), os.environ.get(MULTIPROC), under_gunicorn()
    )


def under_gunicorn() -> bool:
    return "gunicorn.arbiter" in sys.modules or Path(sys.argv[0]).name.startswith("gunicorn")


def metrics_messages(value: object, multiproc_dir: str | None, gunicorn: bool) -> list[CheckMessage]:
    try:
        chosen = names(value)
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="tenant_registry.E011")]
    messages: list[CheckMessage] = []
    for name in chosen:
        try:
            backend_class(name)
        except ImproperlyConfigured as exc:
            missing_extra = name in BACKENDS
            messages.append(Error(str(exc), id="tenant_registry.E010" if missing_extra else "tenant_registry.E011"))
    if "prometheus" in chosen:
        messages += _multiprocess_messages(multiproc_dir, gunicorn)
    return messages


def _multiprocess_messages(multiproc_dir: str | None, gunicorn: bool) -> list[CheckMessage]:
    if multiproc_dir is not None:
        if not (Path(multiproc_dir).is_dir() and os.access(multiproc_dir, os.W_OK | os.X_OK)):
            return [
                Warning(
                    f"{MULTIPROC}={multiproc_dir} is not a writable directory: prometheus-client cannot keep the "
                    "workers' metrics there.",
                    hint="Create it (empty) before the server starts, writable by the workers.",
                    id="tenant_registry.W015",
                )
            ]
        return []
    if gunicorn:
        return [
            Warning(
                f"METRICS uses prometheus under gunicorn without {MULTIPROC}: each worker counts on its own, and a "
                "scrape sees only the worker that answered it.",
                hint=f"Set {MULTIPROC} to an empty directory before gunicorn starts (docs/observability.md).",
                id="tenant_registry.W016",
            )
        ]
    return []


def warn_at_startup() -> None:
    """gunicorn runs no system checks: a worker logs W015/W016 itself, once, as it loads the app."""
    if under_gunicorn():
        for message in check_metrics():
            if message.id in ("tenant_registry.W015", "tenant_registry.W016"):
                logger.warning("%s %s (%s)", message.msg, message.hint, message.id)
