"""What decides whether a fill may land: the fill guard in the shared tier, the clock in the process.

A :class:`Guard` is read before the database is: the tenant's token and the namespace's epoch.
An invalidation replaces the token (``invalidate_all`` the epoch), so a fill carrying a guard
read before it is refused: a row read before a commit never lands after its invalidation.

The :class:`Clock` is the same idea inside one process: it ticks on every invalidation this
process makes or hears, and whenever the channel goes up or down. A reader notes it before it
reads; the in-process tier refuses its bytes, and a reader that joined another's load reads
again, when it moved meanwhile.
"""

from __future__ import annotations

import itertools
import secrets
from typing import NamedTuple


class Guard(NamedTuple):
    token: str  # the tenant's, replaced by each invalidation of it
    epoch: str  # the namespace's, replaced by each invalidate_all


def new_token() -> str:
    return secrets.token_hex(8)


class Clock:
    """A counter that only moves forward; ``itertools.count`` makes each tick atomic under the GIL."""

    def __init__(self) -> None:
        self._ticks = itertools.count(1)
        self.now = 0

    def tick(self) -> None:
        self.now = next(self._ticks)
