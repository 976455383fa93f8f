"""Security: an editor cannot fill a worker's memory through what the registry memoises (secret-key
answers, parsed values, variable lookups, unset-variable warnings) with many saves and reads of
distinct, long keys, values and variable names."""

from __future__ import annotations

import gc
import logging
import tracemalloc
from collections.abc import Callable

import pytest

from tenant_registry.exceptions import InvalidConfig
from tenant_registry.models import Tenant

LONG = 20_000


def retained_mb(action: Callable[[int], object], rounds: int) -> float:
    """What ``rounds`` calls of ``action`` leave allocated once they are done."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for index in range(rounds):
            action(index)
        gc.collect()
        return (tracemalloc.get_traced_memory()[0] - before) / 2**20
    finally:
        tracemalloc.stop()


def test_refused_saves_of_long_keys_and_values_leave_nothing_behind(db):
    def refused(index: int) -> None:
        doc = {f"k{index}" + "x" * LONG: f"${{DJANGO_SECRET_KEY}} {index}" + "y" * LONG}
        with pytest.raises(InvalidConfig):
            Tenant.objects.save_config("tn_a1b2c3", doc)

    # 120 x 40 KB went in; 7 MB of it stayed before. Now: the few long values memoised, about 1 MB.
    assert retained_mb(refused, 120) < 3


def test_reads_of_long_variable_names_leave_nothing_behind(db, caplog):
    caplog.set_level(logging.ERROR, logger="tenant_registry")  # the test's log capture would keep them

    def save_and_read(index: int) -> None:
        Tenant.objects.save_config("tn_a1b2c3", {"x": f"${{TN_A1B2C3_V{index}" + "Z" * LONG + "}"})
        assert Tenant.objects.get_config("tn_a1b2c3")["x"] == ""

    # 100 names of 20 KB were read; each stayed three times before (6 MB). Now about 1.5 MB.
    assert retained_mb(save_and_read, 100) < 3
