"""``make bench``: every tier of get_config beside its floor and its peer, in one run, as one table.

Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/tenant_registry_bench, created
and migrated here), REDIS_URL (default redis://127.0.0.1:6379/0; only keys of this run are touched and
they are removed at the end), BENCH_QUICK=1 for fewer samples.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    config_dir = Path(tempfile.mkdtemp(prefix="tr-bench-configs-"))
    os.environ["TR_BENCH_CONFIG_DIR"] = str(config_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    os.environ.setdefault("SUPABASE_ANON_KEY", "bench-anon-key")
    os.environ.setdefault("VAPI_API_KEY", "bench-vapi-key")
    import django

    django.setup()
    from . import bulk, data, metrics, override_hook, reads, saves, secret_files, stampede, stored_secrets
    from .report import Table

    quick = os.environ.get("BENCH_QUICK") == "1"
    started = time.monotonic()
    table = Table()
    try:
        data.ensure_database()
        data.populate()
        for size, nbytes in data.SIZES.items():
            slug = size.replace(" ", "").lower()
            data.write_yaml(config_dir, f"bench-yaml-{slug}", nbytes)
            hot = data.tenant_id(9_999) if size == "3 KB" else data.large_id(0)
            n = (2_000 if size == "3 KB" else 600) // (4 if quick else 1)
            table.rows += reads.hits(size, hot, f"bench-yaml-{slug}", n * 2)
            if size == "3 KB":
                table.rows += metrics.hits(size, hot, n // 4)
            table.rows += reads.redis_hits(size, hot, n)
            if size == "3 KB":
                table.rows += secret_files.hits(size, data.tenant_id(9_998), data.tenant_id(9_997), n)
                table.rows += stored_secrets.hits(size, data.tenant_id(9_996), data.tenant_id(9_995), n)
                table.rows += override_hook.hits(size, hot, n)
            cold = (
                [data.tenant_id(i) for i in range(4_000)]
                if size == "3 KB"
                else [data.large_id(i) for i in range(1, 200)]
            )
            table.rows += reads.misses(size, cold, n // 2)
        ours, floor = saves.latency(data.tenant_id(7_000), 100 if quick else 400)
        table.rows += [
            reads.Row("floor: Tenant.save(), no subscriber", "3 KB", floor),
            reads.Row(f"Tenant.save(), {saves.SUBSCRIBERS} subscriber processes (p50)", "3 KB", ours, floor, 2.0),
        ]
        trials = 5 if quick else 15
        table.note(
            "stampede: 32 threads, 1 process, one cold key",
            "DB queries",
            stampede.in_process([data.tenant_id(5_000 + i) for i in range(trials)]),
            target=1,
        )
        table.note(
            "stampede: 32 threads x 2 processes, one cold key",
            "DB queries (total)",
            stampede.across_processes([data.tenant_id(6_000 + i) for i in range(trials)]),
            target=2,
        )
        ours, floor, removed = bulk.invalidate_all(bulk.KEYS, 0)
        table.bulk(f"invalidate_all, {removed:,} of our keys", ours, floor, "raw SCAN COUNT 1000 + UNLINK", 2.0)
        ours, floor, removed = bulk.invalidate_all(100, bulk.KEYS)
        table.bulk(
            f"invalidate_all, {removed} ours among {bulk.KEYS:,} foreign",
            ours,
            floor,
            "raw SCAN COUNT 1000 + UNLINK",
            2.0,
        )
        count = 2_000 if quick else data.TENANTS
        seconds, parse_s, insert_s, created = bulk.import_yaml(count)
        table.bulk(
            f"import {created:,} YAML tenants (importer.plan+apply)",
            seconds,
            parse_s + insert_s,
            f"C YAML parse {parse_s:.2f}s + bulk insert {insert_s:.2f}s",
            2.0,
        )
    finally:
        from . import bulk as _bulk

        _bulk.cleanup()
        shutil.rmtree(config_dir, ignore_errors=True)
    sys.stdout.write(table.render() + "\n")
    sys.stdout.write(
        f"\n{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{time.monotonic() - started:.0f}s; medians and p99 in microseconds after warm-up.\n"
    )
    return 0 if table.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
