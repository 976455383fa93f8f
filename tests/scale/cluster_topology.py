"""Redis Cluster: primaries with one replica each, made with ``redis-cli --cluster create`` on free ports."""

from __future__ import annotations

from dataclasses import dataclass, field

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
