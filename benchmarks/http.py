"""``make bench-http``: requests per second of a view that calls get_config beside the same view without
it (the config from a dict of the worker, so both answer the same bytes), under gunicorn (gthread,
4 workers of 4 threads, CONN_MAX_AGE 60), over 1,000 tenants of 3 KB. A third view, for information,
answers a private copy of that dict per request: the least a get_config owes its caller.

Method (benchmarks/http_client.py): 16 keep-alive connections, 4 on each worker, held for the whole
run, so every view is served by the same workers through the same connections; a warm-up in which
every worker answers every tenant of every view (the views must answer the same bytes), so the
in-process tiers hold all 1,000 tenants as in a deployment that has run for a while; then rounds of
short slices, one per view, in alternating order (A B C, C B A), a ratio per round and their median.
The load comes from a small asyncio client in this process: ab cannot vary the path and wrk is not a
Python package; the client costs every view the same CPU. Environment as for ``make bench``;
BENCH_HTTP_SECONDS per slice (default 2), BENCH_HTTP_ROUNDS (default 12).
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

from . import http_client

REPO = Path(__file__).resolve().parent.parent
TENANTS, WORKERS, THREADS, CONNECTIONS = 1_000, 4, 4, 16
TARGET = 0.95


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.http_settings", "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-m", "gunicorn", "project.wsgi:application", "-k", "gthread", "--threads", str(THREADS)]
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


Rates = dict[str, list[float]]


async def _measure(port: int, views: dict[str, list[str]], rounds: int, seconds: float) -> tuple[Rates, int]:
    """Each view's rate in every round, and the answers that were not 200."""
    probe = next(iter(views.values()))[0]
    connections = await http_client.spread(port, probe, WORKERS, CONNECTIONS // WORKERS)
    try:
        await http_client.warm(connections, views)
        for n, conn in enumerate(connections):
            conn.cursor = n * TENANTS // len(connections)
        rates: Rates = {name: [] for name in views}
        errors = 0
        for round_ in range(rounds):
            for name in list(views)[:: 1 if round_ % 2 == 0 else -1]:  # A B C, then C B A
                rate, failed = await http_client.drive(connections, views[name], seconds)
                rates[name].append(rate)
                errors += failed
        return rates, errors
    finally:
        for conn in connections:
            conn.close()


def _ratio(cases: list[float], floors: list[float]) -> float:
    """The median of the rounds' ratios: each round ran the views back to back, so they shared its noise."""
    return statistics.median(a / b for a, b in zip(cases, floors, strict=True))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.http_settings")
    os.environ.setdefault("SUPABASE_ANON_KEY", "bench-anon-key")
    os.environ.setdefault("VAPI_API_KEY", "bench-vapi-key")
    import django

    django.setup()
    from . import data

    data.ensure_database()
    data.populate()
    seconds = float(os.environ.get("BENCH_HTTP_SECONDS", "2"))
    rounds = int(os.environ.get("BENCH_HTTP_ROUNDS", "12"))
    ids = [data.tenant_id(i) for i in range(TENANTS)]
    views = {
        "with get_config": [f"/tenant-config/{t}/" for t in ids],
        "without": [f"/floor/{t}/" for t in ids],
        "without + copy": [f"/private-copy/{t}/" for t in ids],
    }
    load_before = os.getloadavg()
    port = _free_port()
    server = _serve(port)
    try:
        _wait_ready(port, server)
        rates, errors = asyncio.run(_measure(port, views, rounds, seconds))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    ratio = _ratio(rates["with get_config"], rates["without"])
    verdict = "pass" if ratio >= TARGET and errors == 0 else "FAIL"
    head = f"HTTP, gunicorn gthread {WORKERS}x{THREADS}, {TENANTS:,} tenants of 3 KB, {CONNECTIONS} connections"
    lines = [head + f", {rounds} rounds of {seconds:g} s slices"]
    for name in views:
        slices = ", ".join(f"{r:.0f}" for r in rates[name])
        lines.append(f"  {name:16} {statistics.median(rates[name]):8.0f} req/s  (slices: {slices})")
    summary = f"ratio {ratio:.3f} (median of {rounds} rounds; target >= {TARGET}), non-200 answers {errors}"
    lines.append(f"  {summary}: {verdict}")
    peer = _ratio(rates["without + copy"], rates["without"])
    lines.append(f"  info: without + copy / without {peer:.3f} (a private copy of the config per request)")
    load = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(load_before, os.getloadavg(), strict=True))
    lines.append(f"  load average before/after (1, 5, 15 min): {load}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0 if verdict == "pass" else 1


if __name__ == "__main__":
    sys.exit(main())
