"""Redis as people deploy it: a password (and an ACL user), TLS, Sentinel; each on its own ports."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from ..ports import free_port
from .procs import Group, Proc, binary, run, wait_until

HINT = "apt-get install redis-server"
PASSWORD = "s3cret"
ACL_USER, ACL_PASSWORD = "registry", "w0nderland"
SERVICE = "mymaster"


def redis_server(group: Group, name: str, args: list[str], ping: dict[str, Any], port: int) -> Proc:
    """A redis-server answering PING on ``port`` (client options ``ping``), in a directory of its own."""
    folder = group.base / name
    folder.mkdir()
    cmd = [binary("redis-server", HINT), *args, "--dir", str(folder), "--save", "", "--appendonly", "no"]
    cmd += ["--repl-diskless-sync-delay", "0"]  # a replica syncs at once, not after 5 s
    proc = group.add(Proc(f"redis-server {name}", cmd, folder / "out.log"))
    wait_until(lambda: client(port, **ping).ping(), 15, proc, f"PING answer on port {port}")
    return proc


def client(port: int, **options: Any) -> redis.Redis:
    """A plain client of one server that tries once (redis-py would retry with back-off)."""
    options.setdefault("retry", Retry(NoBackoff(), 0))
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=2, socket_connect_timeout=2, **options)


def ping(port: int) -> bool:
    return bool(client(port).ping())


def wait_replicated(primary: int, timeout: float = 10.0) -> None:
    """Until every replica of ``primary`` has applied all it wrote so far."""
    offset = client(primary).info("replication")["master_repl_offset"]

    def caught_up() -> bool:
        info = client(primary).info("replication")
        replicas = [v for k, v in info.items() if k.startswith("slave") and isinstance(v, dict)]
        return bool(replicas) and all(r["state"] == "online" and int(r["offset"]) >= offset for r in replicas)

    wait_until(caught_up, timeout, None, f"replicas of port {primary} at offset {offset}")


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
    run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=tr-scale-ca",
            "-keyout",
            str(ca_key),
            "-out",
            str(ca),
        ],
        "making the test CA",
    )
    run(
        [
            openssl,
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(csr),
        ],
        "making the server key",
    )
    run(
        [
            openssl,
            "x509",
            "-req",
            "-in",
            str(csr),
            "-CA",
            str(ca),
            "-CAkey",
            str(ca_key),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            str(ext),
            "-out",
            str(cert),
        ],
        "signing the server certificate",
    )
    return {"ca": ca, "cert": cert, "key": key}


def start_tls(group: Group) -> TlsRedis:
    """TLS only (``--port 0``); clients need not present a certificate."""
    certs = make_certs(group.base)
    port = free_port()
    args = [
        "--port",
        "0",
        "--tls-port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--tls-cert-file",
        str(certs["cert"]),
        "--tls-key-file",
        str(certs["key"]),
        "--tls-ca-cert-file",
        str(certs["ca"]),
        "--tls-auth-clients",
        "no",
    ]
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
                _host, found = client(port).execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE)
                votes[int(found)] = votes.get(int(found), 0) + 1
        best = max(votes.items(), key=lambda item: item[1], default=(None, 0))
        return best[0] if best[1] >= 2 else None

    def kill_primary(self, timeout: float = 30.0) -> int:
        """SIGKILL the primary; return the port of the replica the sentinels promoted."""
        return self.await_promotion(self.stop_primary(), timeout)

    def stop_primary(self) -> int:
        """SIGKILL the primary and return its port; the sentinels notice it after ``down_after_ms``."""
        self.servers[self.primary].kill()
        return self.primary

    def await_promotion(self, old: int, timeout: float = 30.0) -> int:
        """Until a majority of the sentinels names a primary other than ``old`` that says it is one."""

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
    wait_until(lambda: client(replica).info("replication")["master_link_status"] == "up", 15, servers[replica], "sync")
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
        wait_until(partial(ping, port), 15, proc, f"sentinel PING answer on port {port}")
        sentinels.append(port)
    topology = Sentinel(group, servers, sentinels, primary)
    wait_until(lambda: topology.master_port() == primary, 15, None, f"sentinels agreeing on {SERVICE}")
    return topology
