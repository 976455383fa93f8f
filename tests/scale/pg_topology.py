"""A PostgreSQL primary of our own (initdb) and a streaming replica of it (pg_basebackup) on loopback ports.

An own primary rather than the shared server: its pg_hba.conf has no ``replication`` entry, and
the tests must not change a server they did not start."""

from __future__ import annotations

import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import psycopg

from ..ports import free_port
from .procs import Group, Proc, as_user, binary, run, wait_until


def _bin_dir() -> Path:
    """PG_BIN, else the newest /usr/lib/postgresql/N/bin (Debian's layout)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if p.parent.parent.name.isdigit()]
    return max(found, key=lambda p: int(p.parent.name), default=Path("/usr/lib/postgresql/15/bin"))


BIN = _bin_dir()
HINT = "apt-get install postgresql (or set PG_BIN to the folder of initdb, postgres and pg_basebackup)"
USER = "postgres"
APPLY_DELAY = "500ms"


def _bin(name: str) -> str:
    return binary(str(BIN / name), HINT)


@dataclass
class Server:
    port: int
    proc: Proc

    def url(self, database: str) -> str:
        return f"postgres://{USER}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(host="127.0.0.1", port=self.port, user=USER, dbname=database, autocommit=True)

    def answers(self) -> bool:
        self.connect().close()
        return True


@dataclass
class Replicated:
    primary: Server
    replica: Server

    def create_database(self, name: str) -> None:
        with self.primary.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        wait_until(lambda: self._exists(name), 15, self.replica.proc, f"database {name} on the replica")

    def _exists(self, name: str) -> bool:
        with self.replica.connect() as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None

    def wait_caught_up(self, timeout: float = 15.0) -> None:
        """Until the replica has applied everything the primary wrote so far."""
        with self.primary.connect() as conn:
            lsn = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]

        def applied() -> bool:
            with self.replica.connect() as conn:
                row = conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()
                return bool(row and row[0])

        wait_until(applied, timeout, self.replica.proc, f"replay up to {lsn}")


def _postgres(group: Group, name: str, data: Path, port: int, *settings: str) -> Server:
    options = ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={group.base}", "-c", "fsync=off"]
    for setting in settings:
        options += ["-c", setting]
    cmd = as_user(USER, [_bin("postgres"), "-D", str(data), "-p", str(port), *options])
    proc = group.add(Proc(f"postgres {name}", cmd, group.base / f"{name}.log"))
    proc.stop_signal = signal.SIGINT  # a fast shutdown: SIGTERM would wait for clients to leave
    server = Server(port, proc)
    wait_until(server.answers, 30, proc, f"connection on port {port}")
    return server


def start_replicated(group: Group) -> Replicated:
    """A primary and a hot standby replaying its WAL ``APPLY_DELAY`` late (``recovery_min_apply_delay``)."""
    data, copy = group.base / "primary", group.base / "replica"
    run(as_user(USER, [_bin("initdb"), "-D", str(data), "-U", USER, "-A", "trust", "--no-sync"]), "initdb")
    settings = ("wal_level=replica", "max_wal_senders=4", "shared_buffers=32MB")
    primary = _postgres(group, "primary", data, free_port(), *settings)
    backup = [_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", USER]
    run(as_user(USER, [*backup, "-D", str(copy), "-R", "-X", "stream", "-c", "fast"]), "pg_basebackup")
    delay = f"recovery_min_apply_delay={APPLY_DELAY}"
    replica = _postgres(group, "replica", copy, free_port(), "hot_standby=on", delay)
    with replica.connect() as conn:
        if conn.execute("SELECT pg_is_in_recovery()").fetchone() != (True,):
            raise replica.proc.failure("the replica is not in recovery")
    return Replicated(primary, replica)


POOLER_HINT = "apt-get install pgbouncer (make test-scale does it when run as root)"


def start_pooler(group: Group, upstream: int, *, servers: int, round_robin: bool) -> Server:
    """PgBouncer in transaction mode in front of the PostgreSQL on port ``upstream``: ``servers``
    server sessions per database, handed out in turn with ``round_robin`` (else the last released)."""
    port = free_port()
    users = group.base / "users.txt"
    users.write_text(f'"{USER}" ""\n')
    ini = group.base / "pgbouncer.ini"
    ini.write_text(
        f"[databases]\n* = host=127.0.0.1 port={upstream}\n[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {users}\npool_mode = transaction\n"
        f"default_pool_size = {servers}\nmin_pool_size = {servers}\nserver_round_robin = {int(round_robin)}\n"
    )
    for path in (users, ini):
        if os.geteuid() == 0:
            shutil.chown(path, USER, USER)
    binary_path = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    cmd = as_user(USER, [binary(binary_path, POOLER_HINT), str(ini)])  # it refuses to run as root
    proc = group.add(Proc("pgbouncer", cmd, group.base / "pgbouncer.log"))
    server = Server(port, proc)
    wait_until(server.answers, 30, proc, f"connection on port {port}")
    return server
