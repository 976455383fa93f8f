"""The invalidation channel: every invalidation is published under our namespace, and one
subscriber thread per process drops what it names from the in-process tier.

Messages are tenant ids separated by spaces, or ``*`` for everything. The subscriber marks
the tier live only once its subscription is confirmed, and not live as soon as the
connection fails or stops answering its pings.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis

from .l1 import LocalCache

logger = logging.getLogger("tenant_registry")
ALL = "*"
ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, OSError, ValueError)


def decode(message: bytes | str) -> list[str] | None:
    text = message.decode() if isinstance(message, bytes) else message
    return None if text == ALL else text.split()


class Subscriber(threading.Thread):
    """Keeps ``local`` in step with ``channel``; reconnects after ``retry`` seconds."""

    def __init__(
        self, client: redis.Redis, channel: str, local: LocalCache, *, ping_every: float = 0.05, retry: float = 0.2
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
            pubsub = self.client.pubsub()
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
        heard = time.monotonic()
        pinged = heard
        while not self._stop_event.is_set():
            message = pubsub.get_message(timeout=self.ping_every / 2)
            now = time.monotonic()
            if message is not None:
                heard = now
                self._handle(message)
            if now - heard > 3 * self.ping_every:
                raise ConnectionError(f"no answer on {self.channel} for {now - heard:.2f}s")
            if now - pinged >= self.ping_every:
                pubsub.ping()
                pinged = now

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "subscribe":
            self.local.set_live(True)
        elif kind == "message":
            self.local.discard(decode(message["data"]))


def _close(pubsub: Any) -> None:
    try:
        pubsub.close()
    except ERRORS:
        logger.debug("closing the invalidation subscription failed", exc_info=True)
