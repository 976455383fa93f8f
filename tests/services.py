"""Real services for the tests: checks that the shared ones answer, and redis-servers of our own."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from tenant_registry import cache

from .ports import free_port

START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
    "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
)


class SettledRedis(redis.Redis):
    """A raw client that first lets this process's queued cache fills land (a process reads its own fills)."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        cache.settle()
        return super().execute_command(*args, **options)


@dataclass
class RedisServer:
    """A redis-server this test owns: kill it, pause it, or restart it empty on the same port."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tr-redis-")))
    appendonly: bool = False  # keep the data across kill() and restart(), like a failover to a replica

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if self.appendonly else ["--appendonly", "no"]
        self.process = subprocess.Popen([*args, "--dir", str(self.workdir)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if self.client().ping():
                    return self
            time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def client(self) -> redis.Redis:
        """A raw look at the server; this process's queued cache fills land first."""
        return SettledRedis(port=self.port, socket_timeout=1, socket_connect_timeout=1)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def restart_empty(self) -> None:
        self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True)
        self.start()

    def restart(self) -> None:
        """Start again on the same port with the data it had (needs ``appendonly=True``)."""
        self.kill()
        self.start()

    def pause(self, seconds: float) -> None:
        """CLIENT PAUSE: the server accepts commands but answers none for ``seconds``."""
        self.client().execute_command("CLIENT", "PAUSE", int(seconds * 1000), "ALL")


class HungServer:
    """A TCP listener that accepts connections and never answers: a hung Redis."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop:
            with contextlib.suppress(TimeoutError, OSError):
                conn, _ = self.sock.accept()
                self.accepted.append(conn)

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        for conn in self.accepted:
            conn.close()
        self.sock.close()


@contextlib.contextmanager
def running_redis(*, appendonly: bool = False) -> Iterator[RedisServer]:
    server = RedisServer(appendonly=appendonly).start()
    try:
        yield server
    finally:
        server.kill()
        shutil.rmtree(server.workdir, ignore_errors=True)


def database_url(name: str) -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{name}"
