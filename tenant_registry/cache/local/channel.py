"""The invalidation channel: messages out (:func:`encode`), messages in (:func:`decode`), and one
subscriber thread per process that applies them to the in-process tier and acknowledges them.

A message is ``!<ack> id=token id=token`` (each tenant's new guard token) or ``!<ack> *=epoch``
(every tenant; the namespace's new epoch), each perhaps followed by notes of what changed
(:mod:`..changes`, which an older peer ignores). ``<ack>`` names the list the writer waits on: the
subscriber pushes to it once the tier has dropped what the message names. Messages of older
versions (``id=token``, bare ids, ``*``) are applied without an acknowledgement.

The subscriber marks the tier live once its subscription is confirmed, and not live as soon as
the connection fails or stops answering. Its pings, every ``LEASE / 3``, renew the lease. On a
Redis Cluster it listens to the shard channel on the primary of the channel's slot, and takes a
notice that the slot moved (a failover, a resharding) as a lost connection.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from ..changes import NOTE, Change, Changes, note_items, parse_note
from ..stores import connection
from ..stores.redis_store import RedisStore
from .tier import LocalCache

ALL = "*"
ACK = "!"
LEASE = 0.075  # seconds a confirmed ping keeps the tier trusted; a writer waits at most this long
DEAD_AFTER = 1.0  # seconds without an answer before reconnecting (freshness does not wait for it)
ACK_TTL_MS = 1000  # a late acknowledgement nobody waits for any more
ERRORS: tuple[type[BaseException], ...] = (*connection.ERRORS, ValueError)


class Message(NamedTuple):
    ack: str  # "" when none is wanted
    tokens: dict[str, str] | None  # None: every tenant
    epoch: str  # the new epoch of an every-tenant message
    changes: dict[str, Change]  # what the writer knew of each change (versions, sections)


def encode(ack: str, tokens: dict[str, str] | None, epoch: str, changes: Changes | None = None) -> str:
    body = f"{ALL}={epoch}" if tokens is None else " ".join(f"{t}={token}" for t, token in sorted(tokens.items()))
    notes = note_items({t: c for t, c in changes.items() if tokens is not None and t in tokens}) if changes else []
    return " ".join([f"{ACK}{ack} {body}", *notes])


def decode(data: bytes | str) -> Message:
    text = data.decode() if isinstance(data, bytes) else data
    items = text.split()
    ack = items.pop(0)[1:] if items and items[0].startswith(ACK) else ""
    changes = dict(_notes(item for item in items if item.startswith(NOTE)))
    pairs = dict(item.partition("=")[::2] for item in items if not item.startswith(NOTE))
    if ALL in pairs:
        return Message(ack, None, pairs[ALL], {})
    return Message(ack, pairs, "", changes)


def _notes(items: Iterable[str]) -> Iterator[tuple[str, Change]]:
    for item in items:
        with contextlib.suppress(ValueError):  # a note is only information: a bad one is left out
            yield parse_note(item)


def _ignore(message: Message) -> None:
    return None


class Subscriber(threading.Thread):
    """Keeps ``tier`` in step with the channel of ``store``; reconnects after ``retry`` seconds.
    ``on_up`` and ``on_down`` hear of each change of the subscription (not of each attempt);
    ``on_message`` of each message, once the tier applied it and before it is acknowledged."""

    def __init__(
        self,
        store: RedisStore,
        tier: LocalCache,
        on_up: Callable[[], None],
        on_down: Callable[[BaseException], None],
        *,
        retry: float = 0.2,
        on_message: Callable[[Message], None] = _ignore,
    ) -> None:
        super().__init__(name=f"tenant-registry-l1 {store.keys.channel}", daemon=True)
        self.store = store
        self.keys = store.keys
        self.tier = tier
        self.on_up = on_up
        self.on_down = on_down
        self.retry = retry
        self.on_message = on_message
        self.ping_every = LEASE / 3
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        attempts = 0
        while not self._stop_event.is_set():
            pubsub = None
            try:
                pubsub = self.store.channel_client(refresh=attempts > 0).pubsub()
                subscribe = pubsub.ssubscribe if self.store.sharded else pubsub.subscribe
                subscribe(self.keys.channel)
                self._listen(pubsub)
            except ERRORS as exc:
                if self.tier.live:
                    self.on_down(exc)
            finally:
                self.tier.set_live(False)
                if pubsub is not None:
                    _close(pubsub)
            attempts += 1
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
                raise ConnectionError(f"no answer on {self.keys.channel} for {now - sent[0]:.2f}s")
            if self.tier.live and now - pinged >= self.ping_every:
                sent.append(now)
                pubsub.ping()
                pinged = now

    def _handle(self, message: dict[str, Any], sent: deque[float]) -> None:
        kind = message["type"]
        if kind in ("message", "smessage"):
            decoded = decode(message["data"])
            self.tier.invalidated(decoded.tokens, decoded.epoch)
            self.on_message(decoded)  # queued before the writer is released: a save returns with it heard
            if decoded.ack:
                self._acknowledge(decoded.ack)
        elif kind == "pong" and sent:
            self.tier.confirm(sent.popleft(), LEASE)
        elif kind in ("subscribe", "ssubscribe"):
            self.tier.set_live(True, self.store.known_epoch())  # later changes come as messages, after this
            self.on_up()
        elif kind == "sunsubscribe":
            raise ConnectionError(f"the slot of {self.keys.channel} moved to another primary")

    def _acknowledge(self, ack: str) -> None:
        self.store.acknowledge(ack, ACK_TTL_MS)


def _close(pubsub: Any) -> None:
    with contextlib.suppress(*ERRORS):  # the connection is gone either way
        pubsub.close()
