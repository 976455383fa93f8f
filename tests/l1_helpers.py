"""Helpers of the L1 and stampede tests: waiting for the channel, counting Redis commands, a peer process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis
from django.db import connection

from tenant_registry import cache
from tenant_registry.cache import LocalCache

REPO = Path(__file__).resolve().parent.parent


def wait_live(timeout: float = 5.0) -> LocalCache:
    deadline = time.monotonic() + timeout
    while True:
        local = cache.local_tier()
        if local is not None and local.trusted:
            return local
        assert time.monotonic() < deadline, "the invalidation channel did not come up"
        time.sleep(0.01)


def wait_down(local: LocalCache, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while local.live:
        assert time.monotonic() < deadline, "the local tier still trusts a dead channel"
        time.sleep(0.01)


def wait_hint(local: LocalCache, tenant_id: str, timeout: float = 2.0) -> None:
    """Until the invalidation message of ``tenant_id`` has left its token in the tier."""
    deadline = time.monotonic() + timeout
    while not local.hinted(tenant_id):
        assert time.monotonic() < deadline, "the invalidation message did not arrive"
        time.sleep(0.005)


def commands(client: redis.Redis) -> int:
    """Commands the server has run, except INFO (this count) and PING (the subscriber's heartbeat)."""
    stats: dict[str, Any] = client.info("commandstats")  # type: ignore[assignment]
    return sum(v["calls"] for k, v in stats.items() if k not in ("cmdstat_info", "cmdstat_ping"))


def peer_env(redis_url: str, key_prefix: str, config_dir: Path, tenant_id: str, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "TR_PEER_PREFIX": key_prefix,
        "TR_PEER_CONFIG_DIR": str(config_dir),
        "TR_PEER_TENANT": tenant_id,
        **extra,
    }


def start_peer(action: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.peer", action],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def read_line(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, f"the peer process ended early (exit code {process.wait()})"
    return json.loads(line)  # type: ignore[no-any-return]
