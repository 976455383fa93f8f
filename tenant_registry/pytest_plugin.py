"""The pytest plugin (entry point ``pytest11``): the ``override_tenant_config`` fixture."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .testing import override_tenant_config as Override


@pytest.fixture(name="override_tenant_config")
def override_tenant_config_fixture() -> Iterator[Callable[..., Override]]:
    """``override_tenant_config("tn_a", {...}, merge=False)``: on until the end of the test."""
    from .testing import override_tenant_config

    entered: list[Override] = []

    def override(tenant_id: str, config: dict[str, Any] | None, *, merge: bool = False) -> Override:
        on = override_tenant_config(tenant_id, config, merge=merge)
        on.enable()
        entered.append(on)
        return on

    yield override
    for on in reversed(entered):
        while on.on:  # unless the test ended it itself
            on.disable()
