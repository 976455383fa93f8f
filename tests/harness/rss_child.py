"""``python -m tests.harness.rss_child PATH MAX_YAML_BYTES``: run ``import_tenants --dry-run PATH`` in a process
of its own and print, as JSON, how long the command took, the process's peak RSS while it ran, and how
far above the RSS before it that peak was. The database is DATABASE_URL's (it only needs the table)."""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import tempfile
import time


def main(path: str, max_bytes: int) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.test_settings"
    import django
    from django.conf import settings
    from django.core.management import CommandError, call_command

    django.setup()
    settings.TENANT_REGISTRY = {"CONFIG_DIR": os.path.dirname(path), "MAX_YAML_BYTES": max_bytes}
    with tempfile.TemporaryDirectory() as empty:  # warm up: imports and the database connection
        call_command("import_tenants", empty, "--dry-run", stdout=io.StringIO())
    before = _rss_kb("VmRSS")
    _reset_peak()
    stderr = io.StringIO()
    started = time.perf_counter()
    try:
        call_command("import_tenants", path, "--dry-run", stdout=io.StringIO(), stderr=stderr)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    seconds = time.perf_counter() - started
    peak = _rss_kb("VmHWM")
    result = {"seconds": seconds, "rss_kb": peak, "rss_growth_kb": peak - before, "stderr": stderr.getvalue()}
    sys.stdout.write(json.dumps({**result, "code": code}) + "\n")


def _reset_peak() -> None:
    """Linux resets the peak RSS (VmHWM) to the current RSS when "5" is written to clear_refs."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
