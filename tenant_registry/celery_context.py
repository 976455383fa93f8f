"""Celery: a task runs in the worker under the tenant it was sent under (``pip install
django-tenant-registry[celery]``). Call :func:`install` where the Celery app is made, in the
processes that send tasks and in the workers; importing this module changes nothing.

The sender's :func:`current_tenant` travels in a message header; the worker sets it before the
task runs (``task_prerun``) and restores what it had afterwards (``task_postrun``, sent even when
the task raised). A task sent under no tenant runs under none.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any

from celery import signals

from .context import _current, current_tenant
from .exceptions import InvalidTenantId
from .ids import validate_id

HEADER = "tenant_registry_tenant"
logger = logging.getLogger("tenant_registry")
_tokens: dict[str, contextvars.Token[str | None]] = {}  # task id -> what task_postrun restores


def install() -> None:
    """Connect the three receivers; calling it again changes nothing."""
    signals.before_task_publish.connect(_publishing, weak=False, dispatch_uid="tenant_registry.publish")
    signals.task_prerun.connect(_starting, weak=False, dispatch_uid="tenant_registry.prerun")
    signals.task_postrun.connect(_finished, weak=False, dispatch_uid="tenant_registry.postrun")


def _publishing(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    tenant_id = current_tenant()
    if headers is not None and tenant_id is not None:
        headers[HEADER] = tenant_id


def _starting(task_id: str, task: Any, **kwargs: Any) -> None:
    request = task.request
    if request.is_eager:  # apply() runs in the caller's context, under the caller's tenant
        return
    sent = getattr(request, HEADER, None)
    tenant_id = None
    if sent is not None:
        try:
            tenant_id = validate_id(sent)
        except InvalidTenantId as exc:
            logger.error("task %s (%s): ignoring its tenant header: %s", task_id, task.name, exc)
    _tokens[task_id] = _current.set(tenant_id)


def _finished(task_id: str, **kwargs: Any) -> None:
    token = _tokens.pop(task_id, None)
    if token is not None:
        _current.reset(token)
