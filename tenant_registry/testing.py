"""``override_tenant_config``: what ``get_config`` answers for one tenant in a test, past every tier.

A context manager, a decorator of sync and async functions and of ``unittest.TestCase`` classes
(on for the whole class, ``setUpTestData`` included), and, through the pytest plugin, the
``override_tenant_config`` fixture. docs/tasks-and-testing.md.
"""

from __future__ import annotations

import functools
import inspect
import unittest
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from . import overrides
from .ids import validate_id

F = TypeVar("F", bound=Callable[..., Any])


class override_tenant_config:  # named like override_settings, which it is used like
    """``get_config(tenant_id)`` (and ``aget_config``, ``get_tenant_config``) answer ``config``
    while this is on: no query, no cache call. With ``merge=True``, ``config`` is a JSON Merge
    Patch (RFC 7386) applied to the tenant's real config, read from its row or file past every
    cache at each call. The config is answered as given: no interpolation, no ``SECRET_ENV``
    fill. ``config=None`` makes the tenant unknown. Overrides nest; each restores exactly what
    it changed, even on an error."""

    def __init__(self, tenant_id: str, config: dict[str, Any] | None, *, merge: bool = False) -> None:
        self.tenant_id = validate_id(tenant_id)
        self.raw = overrides.encode(self.tenant_id, config)
        self.merge = merge
        self._entered: list[overrides.Layer] = []

    def enable(self) -> None:
        layer = overrides.Layer(self.tenant_id, self.raw, self.merge)
        overrides.push(layer)
        self._entered.append(layer)

    def disable(self) -> None:
        if not self._entered:
            raise RuntimeError(f"override_tenant_config({self.tenant_id!r}) is not on")
        overrides.remove(self._entered.pop())

    @property
    def on(self) -> bool:
        return bool(self._entered)

    def __enter__(self) -> override_tenant_config:
        self.enable()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.disable()

    def __call__(self, target: F) -> F:
        if isinstance(target, type):
            if not issubclass(target, unittest.TestCase):
                raise TypeError(f"override_tenant_config decorates functions and TestCase classes, not {target!r}")
            return self._decorate_class(target)  # type: ignore[return-value]
        if inspect.iscoroutinefunction(target):

            @functools.wraps(target)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await target(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(target)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return target(*args, **kwargs)

        return run  # type: ignore[return-value]

    def _decorate_class(self, cls: type[unittest.TestCase]) -> type[unittest.TestCase]:
        """On from ``setUpClass`` (so in ``setUpTestData``) until the class's cleanups."""
        original = cls.setUpClass.__func__  # type: ignore[attr-defined]

        def set_up_class(inner: type[unittest.TestCase]) -> None:
            self.enable()
            inner.addClassCleanup(self.disable)
            original(inner)

        cls.setUpClass = classmethod(set_up_class)  # type: ignore[assignment, method-assign]
        return cls
