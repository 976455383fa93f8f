"""The tenant of the work at hand, outside a request: ``current_tenant()`` and ``tenant_context(id)``.

It lives on a ``contextvars.ContextVar``, so asyncio tasks, ``asyncio.to_thread`` and asgiref's
``sync_to_async`` / ``async_to_sync`` see the tenant of the code that started them. A plain
``threading.Thread`` or an executor's worker thread starts in an empty context: wrap its target in
:func:`carry` (docs/tasks-and-testing.md).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from .ids import validate_id

P = ParamSpec("P")
T = TypeVar("T")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("tenant_registry.tenant", default=None)


def current_tenant() -> str | None:
    """The id set by the innermost :func:`tenant_context`, or None outside any."""
    return _current.get()


@contextmanager
def tenant_context(tenant_id: str | None) -> Iterator[str | None]:
    """Run the block (or, as a decorator, the function) under ``tenant_id``; None runs it under no
    tenant. The previous tenant is back on exit, even on an error. An invalid id raises
    ``InvalidTenantId`` before anything changes."""
    value = None if tenant_id is None else validate_id(tenant_id)
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


def carry(target: Callable[P, T]) -> Callable[P, T]:
    """``target`` bound to a copy of the caller's context (its tenant included), for
    ``threading.Thread(target=carry(fn))`` or ``executor.submit(carry(fn))``. Each call runs in a
    fresh copy of that snapshot, so the wrapper may run on several threads at once."""
    snapshot = contextvars.copy_context()

    @functools.wraps(target)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return snapshot.copy().run(target, *args, **kwargs)

    return run
