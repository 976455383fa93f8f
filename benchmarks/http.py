"""``make bench-http``: requests per second of a view that calls get_config beside the same view without
it (the config from a dict of the worker, so both serialize the same JSON), under gunicorn (gthread,
4 workers, CONN_MAX_AGE 60), over 1,000 tenants of 3 KB.

The load comes from a small asyncio client in this process (keep-alive connections cycling over the
tenants' paths): ab cannot vary the path and wrk is not a Python package; the client costs both
views the same CPU. Environment as for ``make bench``; BENCH_HTTP_SECONDS per view and round (default 4).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TENANTS, WORKERS, CONNECTIONS, ROUNDS = 1_000, 4, 16, 5
TARGET = 0.95


async def _connection(port: int, paths: list[str], start: int, deadline: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = start
    try:
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += 1
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(_content_length(head))
            counts[0 if head.startswith(b"HTTP/1.1 200") else 1] += 1
    finally:
        writer.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    raise SystemExit(f"an answer without Content-Length: {head!r}")


async def _load(port: int, paths: list[str], seconds: float) -> tuple[float, int]:
    """Requests per second over ``seconds``, and how many answers were not 200."""
    counts = [0, 0]
    started = time.monotonic()
    deadline = started + seconds
    step = len(paths) // CONNECTIONS
    await asyncio.gather(*(_connection(port, paths, n * step, deadline, counts) for n in range(CONNECTIONS)))
    return counts[0] / (time.monotonic() - started), counts[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.http_settings", "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-m", "gunicorn", "project.wsgi:application", "-k", "gthread", "--threads", "4"]
    args += ["-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--keep-alive", "30", "--log-level", "warning"]
    return subprocess.Popen(args, env=env, cwd=REPO, start_new_session=True)


def _wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not answer within 60 s")


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.http_settings")
    os.environ.setdefault("SUPABASE_ANON_KEY", "bench-anon-key")
    os.environ.setdefault("VAPI_API_KEY", "bench-vapi-key")
    import django

    django.setup()
    from . import data

    data.ensure_database()
    data.populate()
    seconds = float(os.environ.get("BENCH_HTTP_SECONDS", "4"))
    ids = [data.tenant_id(i) for i in range(TENANTS)]
    views = {"with get_config": [f"/tenant-config/{t}/" for t in ids], "without": [f"/floor/{t}/" for t in ids]}
    port = _free_port()
    server = _serve(port)
    try:
        _wait_ready(port, server)
        for paths in views.values():  # warm-up: connections, the workers' L1, Redis
            asyncio.run(_load(port, paths, seconds))
        rates: dict[str, list[float]] = {name: [] for name in views}
        errors = 0
        for _ in range(ROUNDS):
            for name, paths in views.items():
                rate, failed = asyncio.run(_load(port, paths, seconds))
                rates[name].append(rate)
                errors += failed
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    # Each round runs both views back to back: the median of the rounds' ratios discounts a busy machine's drift.
    ratio = statistics.median(a / b for a, b in zip(*rates.values(), strict=True))
    verdict = "pass" if ratio >= TARGET and errors == 0 else "FAIL"
    lines = [f"HTTP, gunicorn gthread {WORKERS} workers, {TENANTS:,} tenants of 3 KB, {CONNECTIONS} connections"]
    for name in views:
        rounds = ", ".join(f"{r:.0f}" for r in rates[name])
        lines.append(f"  {name:16} {statistics.median(rates[name]):8.0f} req/s  (rounds: {rounds})")
    summary = f"ratio {ratio:.3f} (median of {ROUNDS} rounds; target >= {TARGET}), non-200 answers {errors}"
    lines.append(f"  {summary}: {verdict}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0 if verdict == "pass" else 1


if __name__ == "__main__":
    sys.exit(main())
