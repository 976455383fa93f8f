"""Free loopback ports for the servers the tests start."""

from __future__ import annotations

import random
import socket
from pathlib import Path


class NoFreePort(RuntimeError):
    """No loopback port could be found."""


_BUS_OFFSET = 10000
_handed_out: set[int] = set()


def _ephemeral_range() -> range:
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(*, bus: bool = False) -> int:
    """A free loopback port none of this run's servers was given; with ``bus``, one whose +10000 (a
    cluster bus) is free too.

    Ports come from outside the kernel's ephemeral range: there, an outgoing connection (a cluster
    bus link, a client) may take the port between this choice and the server's bind.
    """
    ephemeral = _ephemeral_range()

    def wanted(port: int) -> list[int]:
        return [port, port + _BUS_OFFSET] if bus else [port]

    unused = [port for port in range(20000, 65536 - _BUS_OFFSET) if not _handed_out.intersection(wanted(port))]
    candidates = [port for port in unused if not any(q in ephemeral for q in wanted(port))] or unused
    random.shuffle(candidates)
    for port in candidates[:500]:
        ports = wanted(port)
        if all(_bindable(q) for q in ports):
            _handed_out.update(ports)
            return port
    raise NoFreePort("no free loopback port found")
