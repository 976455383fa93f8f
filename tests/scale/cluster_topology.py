"""Redis Cluster: primaries with one replica each, made with ``redis-cli --cluster create`` on free ports;
slots moved between primaries as ``redis-cli --cluster reshard`` moves them (IMPORTING, MIGRATING,
MIGRATE, SETSLOT NODE), one step at a time so that a test can act while a slot is half moved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis.cluster import RedisCluster

from ..ports import free_port
from .procs import Group, Proc, binary, run, wait_until
from .redis_topology import HINT, client, redis_server


@dataclass
class Cluster:
    group: Group
    nodes: dict[int, Proc]
    killed: list[int] = field(default_factory=list)

    def client(self) -> RedisCluster:
        alive = [port for port in self.nodes if port not in self.killed]
        return RedisCluster(host="127.0.0.1", port=alive[0], socket_timeout=2, socket_connect_timeout=2)

    def roles(self) -> dict[int, tuple[str, str]]:
        """port -> ("master" | "slave", the node id of its master or its own id), from a live node."""
        alive = next(port for port in self.nodes if port not in self.killed)
        text = client(alive).execute_command("CLUSTER", "NODES").decode()
        lines = [line.split() for line in text.splitlines() if line]
        ids = {parts[0]: int(parts[1].split("@")[0].rsplit(":", 1)[1]) for parts in lines}
        out: dict[int, tuple[str, str]] = {}
        for parts in lines:
            flags = parts[2].split(",")
            role = "master" if "master" in flags else "slave"
            out[ids[parts[0]]] = (role, parts[0] if role == "master" else parts[3])
        return out

    def primaries(self) -> int:
        return sum(role == "master" for role, _ in self.roles().values())

    def healthy(self) -> bool:
        return all(
            b"cluster_state:ok" in client(port).execute_command("CLUSTER", "INFO")
            for port in self.nodes
            if port not in self.killed
        )

    def synced(self) -> bool:
        replicas = [port for port, (role, _) in self.roles().items() if role == "slave"]
        return all(client(port).info("replication")["master_link_status"] == "up" for port in replicas)

    def kill_primary(self, victim: int | None = None, timeout: float = 30.0) -> tuple[int, int]:
        """SIGKILL ``victim`` (or any primary); return (its port, the port of its replica once promoted)."""
        roles = self.roles()
        if victim is None:
            victim = next(port for port, (role, _) in roles.items() if role == "master")
        victim_id = client(victim).execute_command("CLUSTER", "MYID").decode()
        heir = next(port for port, (role, of) in roles.items() if role == "slave" and of == victim_id)
        self.nodes[victim].kill()
        self.killed.append(victim)
        wait_until(lambda: self.roles()[heir][0] == "master" and self.healthy(), timeout, None, "replica promotion")
        return victim, heir

    def node_id(self, port: int) -> str:
        return str(client(port).execute_command("CLUSTER", "MYID").decode())

    def owner(self, slot: int) -> int:
        """The port of the primary serving ``slot``, as a live node sees it."""
        alive = next(port for port in self.nodes if port not in self.killed)
        for start, end, first, *_ in client(alive).cluster("SLOTS"):
            if start <= slot <= end:
                return int(first[1])
        raise AssertionError(f"no primary serves slot {slot}")

    def begin_move(self, slot: int, target: int) -> int:
        """Mark ``slot`` IMPORTING on ``target`` and MIGRATING on its owner; return the owner's port.
        From then on the owner answers ASK for the slot's keys it no longer holds."""
        source = self.owner(slot)
        client(target).execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", self.node_id(source))
        client(source).execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", self.node_id(target))
        return source

    def migrate(self, source: int, target: int, keys: list[str | bytes]) -> None:
        """Move ``keys`` (of a slot being moved) from ``source`` to ``target``, as the reshard does."""
        if keys:
            client(source).execute_command("MIGRATE", "127.0.0.1", target, "", 0, 5000, "KEYS", *keys)

    def finish_move(self, slot: int, source: int, target: int, timeout: float = 30.0) -> None:
        """Move the rest of ``slot``'s keys, give the slot to ``target`` (it first, then the old
        owner, then every other primary), and wait until every node agrees."""
        while keys := client(source).execute_command("CLUSTER", "GETKEYSINSLOT", slot, 100):
            self.migrate(source, target, keys)
        target_id = self.node_id(target)
        primaries = [port for port, (role, _) in self.roles().items() if role == "master" and port not in self.killed]
        for port in [target, source, *(p for p in primaries if p not in (target, source))]:
            client(port).execute_command("CLUSTER", "SETSLOT", slot, "NODE", target_id)
        wait_until(lambda: self.agree(slot, target), timeout, None, f"every node giving slot {slot} to port {target}")

    def agree(self, slot: int, owner: int) -> bool:
        live = [port for port in self.nodes if port not in self.killed]
        return all(
            any(
                start <= slot <= end and int(first[1]) == owner
                for start, end, first, *_ in client(port).cluster("SLOTS")
            )
            for port in live
        )

    def reshard(self, source: int, target: int, slots: int, timeout: float = 120.0) -> None:
        """``redis-cli --cluster reshard``: move ``slots`` slots, with their keys, from ``source`` to ``target``."""
        cli = binary("redis-cli", HINT)
        ids = {"--cluster-from": self.node_id(source), "--cluster-to": self.node_id(target)}
        args = [cli, "--cluster", "reshard", f"127.0.0.1:{target}", *(x for kv in ids.items() for x in kv)]
        run([*args, "--cluster-slots", str(slots), "--cluster-yes"], "resharding", timeout)
        wait_until(self.healthy, timeout, None, "cluster_state:ok on every node after the reshard")


def cluster_caches(cluster: Cluster) -> dict[str, Any]:
    """The README's settings block: django-redis with the registry's cluster client class."""
    ports = [port for port, (role, _) in cluster.roles().items() if role == "master"][:2]
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": [f"redis://127.0.0.1:{port}/0" for port in ports],
            "OPTIONS": {
                "CLIENT_CLASS": "tenant_registry.redis_cluster.ClusterClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }


def start_cluster(group: Group, primaries: int = 3) -> Cluster:
    """``primaries`` primaries with one replica each, made with ``redis-cli --cluster create``."""
    ports = [free_port(bus=True) for _ in range(primaries * 2)]
    nodes = {}
    for port in ports:
        args = [
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            "1000",
        ]
        nodes[port] = redis_server(group, f"node{port}", args, {}, port)
    addresses = [f"127.0.0.1:{port}" for port in ports]
    cli = binary("redis-cli", HINT)
    run([cli, "--cluster", "create", *addresses, "--cluster-replicas", "1", "--cluster-yes"], "creating the cluster")
    cluster = Cluster(group, nodes)
    wait_until(cluster.healthy, 30, None, "cluster_state:ok on every node")
    # CLUSTER NODES lists a replica as a primary until gossip carries its CLUSTER REPLICATE
    wait_until(lambda: cluster.primaries() == primaries, 30, None, f"{primaries} primaries, each with its replica")
    wait_until(cluster.synced, 30, None, "every replica in sync")  # else a replica cannot take over
    return cluster
