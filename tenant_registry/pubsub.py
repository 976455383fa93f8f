"""The invalidation channel: every invalidation is published under our namespace, and one
subscriber thread per process drops what it names from the in-process tier.

Messages are ``id=token`` pairs separated by spaces (each tenant's new generation token), or
``*=epoch`` for everything; a bare id or ``*`` is understood too. The subscriber marks
the tier live only once its subscription is confirmed, and not live as soon as the
connection fails or stops answering. Its pings, every ``STALENESS / 3``, are what keep the
tier trusted (see l1.py): a reader never uses an entry that may have missed an invalidation
published more than ``STALENESS`` ago.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

import redis

from .l1 import LocalCache

logger = logging.getLogger("tenant_registry")
ALL = "*"
STALENESS = 0.075  # seconds; plus the writer's own publish latency, within the 100 ms promised
DEAD_AFTER = 1.0  # seconds without an answer before reconnecting (freshness does not wait for it)
ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, OSError, ValueError)


def decode(message: bytes | str) -> tuple[dict[str, str] | None, str]:
    """The tenants with their new tokens ("" when not sent), or None and the new epoch for all."""
    text = message.decode() if isinstance(message, bytes) else message
    pairs = dict(item.partition("=")[::2] for item in text.split())
    if ALL in pairs:
        return None, pairs[ALL]
    return pairs, ""


class Subscriber(threading.Thread):
    """Keeps ``local`` in step with ``channel``; reconnects after ``retry`` seconds."""

    def __init__(
        self,
        client: redis.Redis,
        channel: str,
        local: LocalCache,
        *,
        ping_every: float = STALENESS / 3,
        retry: float = 0.2,
    ) -> None:
        super().__init__(name=f"tenant-registry-l1 {channel}", daemon=True)
        self.client = client
        self.channel = channel
        self.local = local
        self.ping_every = ping_every
        self.retry = retry
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        was_up = False
        while not self._stop_event.is_set():
            pubsub = self.client.pubsub()  # type: ignore[no-untyped-call]
            try:
                pubsub.subscribe(self.channel)
                self._listen(pubsub)
            except ERRORS as exc:
                if was_up or self.local.live:
                    logger.warning("tenant registry invalidation channel lost (%s); bypassing the local tier", exc)
            finally:
                was_up = was_up or self.local.live
                self.local.set_live(False)
                _close(pubsub)
            self._stop_event.wait(self.retry)

    def _listen(self, pubsub: Any) -> None:
        sent: deque[float] = deque()
        pinged = 0.0
        while not self._stop_event.is_set():
            message = pubsub.get_message(timeout=self.ping_every / 2)
            if message is not None:
                self._handle(message, sent)
            now = time.monotonic()
            if sent and now - sent[0] > DEAD_AFTER:
                raise ConnectionError(f"no answer on {self.channel} for {now - sent[0]:.2f}s")
            if self.local.live and now - pinged >= self.ping_every:
                sent.append(now)
                pubsub.ping()
                pinged = now

    def _handle(self, message: dict[str, Any], sent: deque[float]) -> None:
        kind = message["type"]
        if kind == "subscribe":
            self.local.set_live(True)
        elif kind == "message":
            self.local.invalidated(*decode(message["data"]))
        elif kind == "pong" and sent:
            self.local.confirm(sent.popleft(), STALENESS)


def _close(pubsub: Any) -> None:
    try:
        pubsub.close()
    except ERRORS:
        logger.debug("closing the invalidation subscription failed", exc_info=True)
