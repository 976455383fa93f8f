"""Cross-process stampede protection: one process loads a missing entry while the others wait
briefly for its fill, then read the database themselves if it does not come."""

from __future__ import annotations

import itertools
import os
import secrets as _random
import time

from . import cache, entry

LOCK_TTL_MS = 2000
WAIT_SECONDS = 0.5
FIRST_POLL = 0.002
LAST_POLL = 0.02


_process = _random.token_hex(6)
_counter = itertools.count()


def new_owner() -> str:
    """A token no other load in any process holds: this process's random id, its pid and a counter."""
    return f"{_process}-{os.getpid()}-{next(_counter)}"


def wait_for_fill(tenant_id: str) -> bytes | None:
    """The entry another process is loading, or None once its lock is gone or the wait is over."""
    deadline = time.monotonic() + WAIT_SECONDS
    delay = FIRST_POLL
    while time.monotonic() < deadline:
        time.sleep(delay)
        raw, locked = cache.peek(tenant_id)
        if raw is not None:
            return raw if entry.decode(tenant_id, raw) is not None else None
        if not locked:
            return None
        delay = min(delay * 2, LAST_POLL)
    return None
