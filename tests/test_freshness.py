"""Fresh after commit in every process, the in-process tier included: once a save's commit has
returned, no read that starts afterwards, in any process, gets the older config."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.db import transaction

from tenant_registry.models import Tenant

from .l1_helpers import peer_env, read_line, start_peer, wait_live

pytestmark = pytest.mark.django_db(transaction=True)
SAVES = 30
PAUSE = 0.12


def test_no_read_that_starts_after_a_commit_returned_gets_the_older_config(key_prefix: str, config_dir: Any) -> None:
    import os

    Tenant.objects.save_config("tn_fresh", {"v": 0})
    wait_live()
    env = peer_env(os.environ["REDIS_URL"], key_prefix, config_dir, "tn_fresh", TR_PEER_THREADS="3")
    readers = [start_peer("read", env) for _ in range(2)]
    for reader in readers:
        assert read_line(reader) == {"ready": True}
    returned: list[float] = []
    for version in range(1, SAVES + 1):
        with transaction.atomic():
            Tenant.objects.save_config("tn_fresh", {"v": version})
            Tenant.objects.invalidate("tn_fresh")  # readers miss until the commit: the widest window
        returned.append(time.monotonic())
        time.sleep(PAUSE)
    for reader in readers:
        assert reader.stdin is not None
        reader.stdin.write(json.dumps(returned) + "\n")
        reader.stdin.flush()
    reports = [read_line(reader) for reader in readers]
    for reader in readers:
        assert reader.wait(30) == 0
    assert [r["stale"] for r in reports] == [0, 0]
    assert all(r["after"] > 1000 and r["last"] == SAVES for r in reports), reports
