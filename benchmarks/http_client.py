"""The HTTP bench's client: keep-alive connections held for the whole run and spread evenly over the
workers (each answer names its worker in ``X-Worker-Pid``), so the view and its floor are served by the
same workers through the same connections."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.cursor = 0  # where in the paths this connection goes on

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def get(self, path: str) -> tuple[bool, bytes, bytes]:
        """Whether the answer is a 200, its body and its ``X-Worker-Pid``; ``//host/path`` sends that Host."""
        host, path = path[2:].split("/", 1) if path.startswith("//") else ("127.0.0.1", path[1:])
        self.writer.write(f"GET /{path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        fields = dict(_field(line) for line in head.split(b"\r\n")[1:] if b":" in line)
        body = await self.reader.readexactly(int(fields.get(b"content-length", b"0")))
        return head.startswith(b"HTTP/1.1 200"), body, fields.get(b"x-worker-pid", b"")

    def close(self) -> None:
        self.writer.close()


def _field(line: bytes) -> tuple[bytes, bytes]:
    name, _, value = line.partition(b":")
    return name.strip().lower(), value.strip()


Workers = dict[bytes, list["Connection"]]  # X-Worker-Pid -> the connections that worker serves


async def spread(port: int, probe: str, workers: int, per_worker: int, wait: float = 60.0) -> Workers:
    """``per_worker`` connections on each of ``workers`` workers (one still starting is waited for up
    to ``wait`` seconds); a connection to a worker that has its share is closed at once."""
    kept: Workers = defaultdict(list)
    deadline = time.monotonic() + wait
    while sum(len(held) for held in kept.values()) < workers * per_worker:
        if time.monotonic() > deadline or len(kept) > workers:
            raise SystemExit(f"connections did not spread over {workers} workers: {sorted(map(len, kept.values()))}")
        conn = await Connection.open(port)
        ok, _, pid = await conn.get(probe)
        if not ok or not pid:
            raise SystemExit(f"{probe} answered without a 200 and X-Worker-Pid")
        if len(kept[pid]) < per_worker:
            kept[pid].append(conn)
        else:
            conn.close()
            await asyncio.sleep(0.01)
    return kept


async def warm(workers: Workers, views: dict[str, list[str]]) -> None:
    """Every worker answers every path of every view once (its connections share the paths), and the
    views answer the same bytes for the same tenant."""

    async def one(conn: Connection, share: range) -> None:
        for i in share:
            bodies = set()
            for name, paths in views.items():
                ok, body, _ = await conn.get(paths[i])
                if not ok:
                    raise SystemExit(f"{name}: {paths[i]} did not answer 200")
                bodies.add(body)
            if len(bodies) != 1:
                raise SystemExit(f"the views answer different bytes for tenant #{i}")

    tenants = len(next(iter(views.values())))
    jobs = []
    for held in workers.values():
        step = -(-tenants // len(held))
        jobs += [one(conn, range(n * step, min(tenants, (n + 1) * step))) for n, conn in enumerate(held)]
    await asyncio.gather(*jobs)


async def drive(connections: list[Connection], paths: list[str], seconds: float) -> tuple[float, int]:
    """Requests per second over ``seconds`` (every connection busy, cycling over ``paths`` from where it
    stopped), and how many answers were not 200."""
    counts = [0, 0]
    started = time.monotonic()
    deadline = started + seconds

    async def one(conn: Connection) -> None:
        while time.monotonic() < deadline:
            ok, _, _ = await conn.get(paths[conn.cursor % len(paths)])
            conn.cursor += 1
            counts[0 if ok else 1] += 1

    await asyncio.gather(*(one(conn) for conn in connections))
    return counts[0] / (time.monotonic() - started), counts[1]
