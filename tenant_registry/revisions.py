"""Who and why of the revisions django-simple-history records on every write path.

A context variable carries the acting user and a change reason ("admin", "import_tenants", ...) to the
history rows created by ``Model.save`` signals and by the QuerySet's bulk paths alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from simple_history.models import HistoricalRecords


@dataclass(frozen=True)
class Actor:
    user: Any = None
    reason: str = ""


_actor: ContextVar[Actor | None] = ContextVar("tenant_registry_actor", default=None)


@contextmanager
def acting(user: Any = None, reason: str = "") -> Iterator[None]:
    """Attribute the revisions written inside the block to ``user`` and ``reason``."""
    token = _actor.set(Actor(user if user is not None and user.is_authenticated else None, reason[:100]))
    try:
        yield
    finally:
        _actor.reset(token)


def reason(default: str) -> str:
    """The change reason of the enclosing :func:`acting` block, else ``default``."""
    actor = _actor.get()
    return actor.reason if actor is not None and actor.reason else default


def current_user(request: Any = None, **kwargs: Any) -> Any:
    actor = _actor.get()
    if actor is not None and actor.user is not None:
        return actor.user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class TenantHistory(HistoricalRecords):  # type: ignore[misc]
    """Revisions whose reason names the write path when the writer gave none."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(get_user=current_user, **kwargs)

    def get_change_reason_for_object(self, instance: Any, history_type: str, using: str | None) -> str:
        given: str | None = getattr(instance, "_change_reason", None)
        return given or reason("save" if history_type != "-" else "delete")
