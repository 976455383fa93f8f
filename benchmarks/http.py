"""``make bench-http``: requests per second of a view that calls get_config beside the same view without
it (the config from a dict of the worker, so both answer the same bytes), and the same view with the
tenant TenantMiddleware found from the Host header (request.tenant_config: a Domain lookup and the config),
under gunicorn (gthread, 4 workers of 4 threads, CONN_MAX_AGE 60), over 1,000 tenants of 3 KB. A fourth view,
for information, answers a private copy of that dict per request: the least a get_config owes its caller.

Method (benchmarks/http_client.py): 16 keep-alive connections, 4 on each worker, held for the whole
run, so every view is served by the same workers through the same connections; a warm-up in which
every worker answers every tenant of every view (the views must answer the same bytes), so the
in-process tiers hold all 1,000 tenants as in a deployment that has run for a while; then rounds of
short slices, one per view, in alternating order (A B C, C B A), a ratio per round and their median.
Each slice also reports the CPU the workers used per request, which other work on the machine moves
less than it moves requests per second. The load comes from a small asyncio client in this process:
ab cannot vary the path and wrk is not a Python package; the client costs every view the same CPU.
Environment as for ``make bench``; BENCH_HTTP_SECONDS per slice (default 2), BENCH_HTTP_ROUNDS (default 12).
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
MIDDLEWARE = (
    "request.tenant_config"  # the view of "with get_config", its tenant found by TenantMiddleware's host lookup
)
Slices = dict[str, list[tuple[float, float]]]  # view -> (requests/s, workers' CPU us per request) per round


def host(tenant_id: str) -> str:
    return f"{tenant_id}.bench.localhost"


def _domains(count: int) -> None:
    """A Domain per tenant, for the middleware row (added once; nothing is cached yet in this run's namespace)."""
    from django.db.models import QuerySet

    from tenant_registry.models import Domain

    from . import data

    rows = [Domain(domain=host(data.tenant_id(i)), tenant_id=data.tenant_id(i)) for i in range(count)]
    QuerySet(Domain).bulk_create(rows, ignore_conflicts=True)


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


def _workers_cpu(master: int) -> float:
    """CPU seconds used so far by the children of ``master`` (gunicorn's workers)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # not a process, or gone meanwhile
            continue
        if fields[1] == str(master):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def _measure(port: int, master: int, views: dict[str, list[str]], rounds: int, seconds: float) -> Slices:
    """Each view's slice in every round; SystemExit on an answer that is not a 200."""
    probe = next(iter(views.values()))[0]
    workers = await http_client.spread(port, probe, WORKERS, CONNECTIONS // WORKERS)
    connections = [conn for held in workers.values() for conn in held]
    try:
        await http_client.warm(workers, views)
        for n, conn in enumerate(connections):
            conn.cursor = n * TENANTS // len(connections)
        slices: Slices = {name: [] for name in views}
        for round_ in range(rounds):
            for name in list(views)[:: 1 if round_ % 2 == 0 else -1]:  # A B C, then C B A
                cpu, began = _workers_cpu(master), time.monotonic()
                rate, failed = await http_client.drive(connections, views[name], seconds)
                if failed:
                    raise SystemExit(f"{name}: {failed} answers were not 200")
                answered = rate * (time.monotonic() - began)
                slices[name].append((rate, (_workers_cpu(master) - cpu) * 1e6 / max(answered, 1)))
        return slices
    finally:
        for conn in connections:
            conn.close()


def _ratio(cases: list[float], floors: list[float]) -> float:
    """The median of the rounds' ratios: each round ran the views back to back, so they shared its noise."""
    return statistics.median(a / b for a, b in zip(cases, floors, strict=True))


def _report(slices: Slices, rounds: int, seconds: float) -> tuple[list[str], bool]:
    rates = {name: [rate for rate, _ in view] for name, view in slices.items()}
    cpus = {name: [cpu for _, cpu in view] for name, view in slices.items()}
    ratio = _ratio(rates["with get_config"], rates["without"])
    middleware = _ratio(rates[MIDDLEWARE], rates["without"])
    head = f"HTTP, gunicorn gthread {WORKERS}x{THREADS}, {TENANTS:,} tenants of 3 KB, {CONNECTIONS} connections"
    lines = [head + f", {rounds} rounds of {seconds:g} s slices"]
    for name in slices:
        median, cpu = statistics.median(rates[name]), statistics.median(cpus[name])
        listed = ", ".join(f"{r:.0f}" for r in rates[name])
        lines.append(f"  {name:21} {median:6.0f} req/s, workers' CPU {cpu:5.0f} us/request  (slices: {listed})")
    verdict = "pass" if ratio >= TARGET else "FAIL"
    lines.append(f"  ratio {ratio:.3f} (median of {rounds} rounds; target >= {TARGET}): {verdict}")
    verdict = "pass" if middleware >= TARGET else "FAIL"
    lines.append(f"  ratio {MIDDLEWARE} / without {middleware:.3f} (target >= {TARGET}): {verdict}")
    for name in ("with get_config", MIDDLEWARE, "without + copy"):
        by_rate, by_cpu = _ratio(rates[name], rates["without"]), _ratio(cpus["without"], cpus[name])
        lines.append(f"  info: {name} / without: {by_rate:.3f} by req/s, {by_cpu:.3f} by workers' CPU per request")
    return lines, ratio >= TARGET and middleware >= TARGET


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.http_settings")
    os.environ.setdefault("SUPABASE_ANON_KEY", "bench-anon-key")
    os.environ.setdefault("VAPI_API_KEY", "bench-vapi-key")
    import django

    django.setup()
    from . import data

    data.ensure_database()
    data.populate()
    _domains(TENANTS)
    seconds = float(os.environ.get("BENCH_HTTP_SECONDS", "2"))
    rounds = int(os.environ.get("BENCH_HTTP_ROUNDS", "12"))
    ids = [data.tenant_id(i) for i in range(TENANTS)]
    views = {
        "with get_config": [f"/tenant-config/{t}/" for t in ids],
        "without": [f"/floor/{t}/" for t in ids],
        "without + copy": [f"/private-copy/{t}/" for t in ids],
        MIDDLEWARE: [f"//{host(t)}/request-config/" for t in ids],
    }
    load_before = os.getloadavg()
    port = _free_port()
    server = _serve(port)
    try:
        _wait_ready(port, server)
        slices = asyncio.run(_measure(port, server.pid, views, rounds, seconds))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    lines, passed = _report(slices, rounds, seconds)
    load = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(load_before, os.getloadavg(), strict=True))
    lines.append(f"  load average before/after (1, 5, 15 min): {load}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
