"""import_tenants: a dry run refuses what the real run refuses, and no line claims a change that did not happen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenant_registry.models import Tenant

from .helpers import fails, run
from .services import database_url

TAKEN_OVER = (
    "nothing was imported: tenant tn_q_r: its environment prefix TN_Q_R_ would give tenant tn_q this tenant's "
    "variables, which tn_q references at key (${TN_Q_R_KEY}); remove those references from tn_q first"
)


def state() -> list[tuple[object, ...]]:
    return list(Tenant.objects.order_by("pk").values_list("pk", "status", "config", "version"))


@pytest.fixture
def reader_of_tn_q_r(tmp_path: Path) -> Path:
    """tn_q, imported, reads ${TN_Q_R_KEY}: a new tn_q_r would hand tn_q its variables."""
    (tmp_path / "tn_q.yaml").write_text("key: ${TN_Q_R_KEY}\n")
    run("import_tenants", "-v0", str(tmp_path / "tn_q.yaml"))
    path = tmp_path / "tn_q_r.yaml"
    path.write_text("a: 1\n")
    return path


@pytest.mark.django_db
@pytest.mark.parametrize("flags", [(), ("--dry-run",), ("--diff",), ("--dry-run", "--diff")])
def test_a_tenant_whose_prefix_takes_over_references_is_refused_by_dry_and_real_runs(
    reader_of_tn_q_r: Path, flags: tuple[str, ...]
) -> None:
    before = state()
    with CaptureQueriesContext(connection) as queries:
        out, err, error = fails("import_tenants", *flags, str(reader_of_tn_q_r))
    assert (out, err, str(error)) == ("", "", TAKEN_OVER)
    assert state() == before
    if "--dry-run" in flags:
        assert [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")] == []


@pytest.mark.django_db(transaction=True)
def test_the_dry_run_exits_1_from_the_command_line_as_the_real_run_does(reader_of_tn_q_r: Path, settings: Any) -> None:
    env = {**os.environ, "DATABASE_URL": database_url(settings.DATABASES["default"]["NAME"])}
    for flags in (["--dry-run"], []):
        done = subprocess.run(
            [sys.executable, "manage.py", "import_tenants", str(reader_of_tn_q_r), *flags],
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
            env=env,
            timeout=60,
            check=False,
        )
        assert (done.returncode, done.stdout, done.stderr) == (1, "", f"CommandError: {TAKEN_OVER}\n")
    assert list(Tenant.objects.values_list("pk", flat=True)) == ["tn_q"]
