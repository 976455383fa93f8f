"""The override hook on the read path (override_tenant_config) is free while unused: an in-process
hit of ``read.get_config`` beside the same function compiled from its own source without the hook."""

from __future__ import annotations

import ast
import gc
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

from tenant_registry.models import Tenant
from tenant_registry.reading import lookup as read

from .reads import Row, _registry, _wait_live
from .timing import Case, _sample


def _is_hook(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.If) and any(
        isinstance(node, ast.Name) and node.id == "_overrides" for node in ast.walk(statement.test)
    )


def without_hook() -> Callable[..., Any]:
    """``read.get_config`` as it is now, less its ``if _overrides ...`` statement."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(read.get_config)))
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    kept = [statement for statement in function.body if not _is_hook(statement)]
    if len(kept) != len(function.body) - 1:
        raise RuntimeError("read.get_config's override hook was not found exactly once")
    function.body = kept
    namespace = dict(vars(read))
    exec(compile(tree, inspect.getfile(read), "exec"), namespace)  # noqa: S102 - our own module's source
    baseline: Callable[..., Any] = namespace["get_config"]
    return baseline


def alternated(first: Case, second: Case, samples: int, warmup: int = 100) -> None:
    """Samples of the two taken in turn, each first as often as second, with the collector off: the
    difference sought is tens of nanoseconds, below the noise of chunked rounds on a shared machine."""
    for _ in range(warmup):
        _sample(first), _sample(second)
    gc.collect()
    gc.disable()
    try:
        for index in range(samples):
            pair = (first, second) if index % 2 == 0 else (second, first)
            for case in pair:
                case.samples.append(_sample(case))
    finally:
        gc.enable()


def hits(size: str, hot_id: str, samples: int) -> list[Row]:
    baseline, ours = without_hook(), read.get_config
    with _registry(L1_ENABLED=True):
        ours(Tenant, hot_id)
        _wait_live()
        assert baseline(Tenant, hot_id) == ours(Tenant, hot_id)
        floor = Case("hit without the hook", lambda: baseline(Tenant, hot_id), batch=10)
        case = Case("hit, no override on", lambda: ours(Tenant, hot_id), batch=10)
        alternated(floor, case, samples)
    return [
        Row("floor: L1 hit, read path compiled without the override hook", size, floor),
        Row("get_config hit, L1, override hook unused", size, case, floor, 1.05),
    ]
