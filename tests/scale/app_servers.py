"""The demo project served by real application servers: gunicorn (gthread, with or without --preload)
and uvicorn (ASGI), on free loopback ports."""

from __future__ import annotations

import http.client
import json
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..ports import free_port
from .procs import Group, Proc, wait_until

REPO = Path(__file__).resolve().parents[2]
KINDS = ("gunicorn", "gunicorn-preload", "uvicorn")


@dataclass
class Answer:
    status: int
    pid: int
    body: Any


@dataclass
class AppServer:
    kind: str
    port: int
    workers: int
    proc: Proc

    def get(self, path: str, timeout: float = 10.0, host: str | None = None) -> Answer:
        """One request on a new connection (so that requests spread over the workers), to ``host`` if given."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Connection": "close"} if host is None else {"Connection": "close", "Host": host}
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        body = json.loads(raw) if response.getheader("Content-Type", "").startswith("application/json") else raw
        return Answer(response.status, int(response.getheader("X-Worker-Pid") or 0), body)

    def answers(self, path: str, per_worker: int = 3, timeout: float = 30.0, host: str | None = None) -> list[Answer]:
        """Requests until each worker has answered ``path`` at least ``per_worker`` times; every answer."""
        seen: list[Answer] = []
        deadline = time.monotonic() + timeout
        while True:
            counts = {pid: sum(a.pid == pid for a in seen) for pid in {a.pid for a in seen}}
            if len(counts) >= self.workers and min(counts.values()) >= per_worker:
                return seen
            if time.monotonic() > deadline:
                what = f"answers by worker {counts} to {path} in {timeout:g}s ({self.workers} workers)"
                raise self.proc.failure(what)
            seen.append(self.get(path, host=host))


def command(kind: str, port: int, workers: int) -> list[str]:
    bind = f"127.0.0.1:{port}"
    if kind.startswith("gunicorn"):
        args = [sys.executable, "-m", "gunicorn", "project.wsgi:application", "-k", "gthread", "--threads", "4"]
        args += ["-w", str(workers), "-b", bind, "--graceful-timeout", "3"]
        return [*args, "--preload"] if kind == "gunicorn-preload" else args
    if kind == "uvicorn":
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "project.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
        ]
    raise ValueError(f"unknown application server {kind!r}; one of {', '.join(KINDS)}")


def start_app(group: Group, kind: str, env: Mapping[str, str], workers: int = 2) -> AppServer:
    """``kind`` serving project.deploy_settings with ``env`` on top of ours; ready once it answers HTTP."""
    port = free_port()
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.deploy_settings", "PYTHONPATH": str(REPO), **env}
    proc = group.add(Proc(kind, command(kind, port, workers), group.base / f"{kind}-{port}.log", env=full))
    server = AppServer(kind, port, workers, proc)
    wait_until(lambda: server.get("/tenant-config/probe/", timeout=1).status in (200, 404), 60, proc, "HTTP answer")
    return server
