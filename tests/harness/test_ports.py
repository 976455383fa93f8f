"""The port picker of the tests' own servers: no two servers, nor a server and a cluster bus, share a port."""

from __future__ import annotations

from pathlib import Path

from ..ports import free_port


def test_ports_for_a_cluster_never_land_on_each_others_bus_nor_in_the_ephemeral_range() -> None:
    low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    nodes = [free_port(bus=True) for _ in range(30)]
    others = [free_port() for _ in range(30)]
    taken = nodes + [port + 10000 for port in nodes] + others
    assert len(set(taken)) == len(taken)
    assert not [port for port in taken if low <= port <= high]
