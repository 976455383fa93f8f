"""Redis as people deploy it: a password (and an ACL user), TLS, Sentinel, Cluster; each on its own ports."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from redis.cluster import RedisCluster

from .procs import Group, Proc, TopologyError, binary, free_port, run, wait_until

HINT = "apt-get install redis-server"
PASSWORD = "s3cret"
ACL_USER, ACL_PASSWORD = "registry", "w0nderland"
SERVICE = "mymaster"


def redis_server(group: Group, name: str, args: list[str], ping: dict[str, Any], port: int) -> Proc:
    """A redis-server answering PING on ``port`` (client options ``ping``), in a directory of its own."""
    folder = group.base / name
    folder.mkdir()
    cmd = [binary("redis-server", HINT), *args, "--dir", str(folder), "--save", "", "--appendonly", "no"]
    proc = group.add(Proc(f"redis-server {name}", cmd, folder / "out.log"))
    wait_until(lambda: client(port, **ping).ping(), 15, proc, f"PING answer on port {port}")
    return proc


def client(port: int, **options: Any) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=2, socket_connect_timeout=2, **options)


@dataclass
class PasswordRedis:
    port: int
    group: Group

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def acl_url(self) -> str:
        return f"redis://{ACL_USER}:{ACL_PASSWORD}@127.0.0.1:{self.port}/0"


def start_password(group: Group) -> PasswordRedis:
    """``requirepass`` for the default user, plus an ACL user with every right."""
    port = free_port()
    acl = ["--user", ACL_USER, "on", f">{ACL_PASSWORD}", "~*", "&*", "+@all"]
    args = ["--port", str(port), "--bind", "127.0.0.1", "--requirepass", PASSWORD, *acl]
    redis_server(group, "password", args, {"password": PASSWORD}, port)
    return PasswordRedis(port, group)


@dataclass
class TlsRedis:
    port: int
    ca: Path

    @property
    def url(self) -> str:
        return f"rediss://127.0.0.1:{self.port}/0"


def make_certs(folder: Path) -> dict[str, Path]:
    """A CA and a server certificate for 127.0.0.1, made with openssl."""
    openssl = binary("openssl", "apt-get install openssl")
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt"))
    ext = folder / "san.ext"
    ext.write_text("subjectAltName = IP:127.0.0.1, DNS:localhost\n")
    run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=tr-scale-ca",
         "-keyout", str(ca_key), "-out", str(ca)], "making the test CA")  # fmt: skip
    run([openssl, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(csr)], "making the server key")  # fmt: skip
    run([openssl, "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
         "-days", "2", "-extfile", str(ext), "-out", str(cert)], "signing the server certificate")  # fmt: skip
    return {"ca": ca, "cert": cert, "key": key}


def start_tls(group: Group) -> TlsRedis:
    """TLS only (``--port 0``); clients need not present a certificate."""
    certs = make_certs(group.base)
    port = free_port()
    args = ["--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1", "--tls-cert-file", str(certs["cert"]),
            "--tls-key-file", str(certs["key"]), "--tls-ca-cert-file", str(certs["ca"]), "--tls-auth-clients", "no"]  # fmt: skip
    redis_server(group, "tls", args, {"ssl": True, "ssl_ca_certs": str(certs["ca"])}, port)
    return TlsRedis(port, certs["ca"])


@dataclass
class Sentinel:
    group: Group
    servers: dict[int, Proc]  # data servers by port
    sentinels: list[int]
    primary: int

    def master_port(self) -> int | None:
        """The primary's port as a majority of the sentinels names it."""
        votes: dict[int, int] = {}
        for port in self.sentinels:
            with contextlib.suppress(redis.RedisError):
                host, found = client(port).execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE)
                votes[int(found)] = votes.get(int(found), 0) + 1
        best = max(votes.items(), key=lambda item: item[1], default=(None, 0))
        return best[0] if best[1] >= 2 else None

    def kill_primary(self, timeout: float = 30.0) -> int:
        """SIGKILL the primary; return the port of the replica the sentinels promoted."""
        old = self.primary
        self.servers[old].kill()

        def promoted() -> bool:
            port = self.master_port()
            return port not in (None, old) and client(port or 0).execute_command("ROLE")[0] == b"master"

        wait_until(promoted, timeout, None, f"promotion of a replica after killing the primary on port {old}")
        self.primary = self.master_port() or 0
        return self.primary


def start_sentinel(group: Group, down_after_ms: int = 1000, failover_ms: int = 3000) -> Sentinel:
    """One primary, one replica and three sentinels watching them as ``mymaster`` (quorum 2)."""
    primary, replica = free_port(), free_port()
    servers = {primary: redis_server(group, "primary", ["--port", str(primary), "--bind", "127.0.0.1"], {}, primary)}
    args = ["--port", str(replica), "--bind", "127.0.0.1", "--replicaof", "127.0.0.1", str(primary)]
    servers[replica] = redis_server(group, "replica", args, {}, replica)
    wait_until(lambda: client(primary).info("replication")["connected_slaves"] == 1, 15, servers[replica], "sync")
    sentinels = []
    for index in range(3):
        port = free_port()
        folder = group.base / f"sentinel{index}"
        folder.mkdir()
        conf = folder / "sentinel.conf"  # sentinels rewrite their file: one each, writable
        conf.write_text(
            f"port {port}\nbind 127.0.0.1\ndir {folder}\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {primary} 2\n"
            f"sentinel down-after-milliseconds {SERVICE} {down_after_ms}\n"
            f"sentinel failover-timeout {SERVICE} {failover_ms}\n"
            f"sentinel parallel-syncs {SERVICE} 1\n"
        )
        cmd = [binary("redis-server", HINT), str(conf), "--sentinel"]
        proc = group.add(Proc(f"sentinel {index}", cmd, folder / "out.log"))
        wait_until(lambda p=port: client(p).ping(), 15, proc, f"sentinel PING answer on port {port}")
        sentinels.append(port)
    topology = Sentinel(group, servers, sentinels, primary)
    wait_until(lambda: topology.master_port() == primary, 15, None, f"sentinels agreeing on {SERVICE}")
    return topology


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

    def healthy(self) -> bool:
        return all(
            b"cluster_state:ok" in client(port).execute_command("CLUSTER", "INFO")
            for port in self.nodes
            if port not in self.killed
        )

    def synced(self) -> bool:
        replicas = [port for port, (role, _) in self.roles().items() if role == "slave"]
        return all(client(port).info("replication")["master_link_status"] == "up" for port in replicas)

    def kill_primary(self, timeout: float = 30.0) -> tuple[int, int]:
        """SIGKILL one primary; return (its port, the port of its replica once promoted)."""
        roles = self.roles()
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
        args = ["--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000"]  # fmt: skip
        nodes[port] = redis_server(group, f"node{port}", args, {}, port)
    addresses = [f"127.0.0.1:{port}" for port in ports]
    cli = binary("redis-cli", HINT)
    run([cli, "--cluster", "create", *addresses, "--cluster-replicas", "1", "--cluster-yes"], "creating the cluster")
    cluster = Cluster(group, nodes)
    wait_until(cluster.healthy, 30, None, "cluster_state:ok on every node")
    wait_until(cluster.synced, 30, None, "every replica in sync")  # else a replica cannot take over
    if sum(role == "master" for role, _ in cluster.roles().values()) != primaries:
        raise TopologyError(f"the cluster does not have {primaries} primaries: {cluster.roles()}")
    return cluster
