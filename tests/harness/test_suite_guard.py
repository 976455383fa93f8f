import os
import subprocess
import sys

import pytest

from tests.ports import free_port

from ..helpers import REPO


@pytest.mark.parametrize(
    ("variable", "url", "says"),
    [
        ("REDIS_URL", "redis://127.0.0.1:{port}/0", "Redis is not reachable"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:{port}/x", "PostgreSQL is not reachable"),
    ],
)
def test_unreachable_service_fails_the_run_with_how_to_start_it(variable, url, says):
    env = {**os.environ, variable: url.format(port=free_port()), "DJANGO_SETTINGS_MODULE": "project.test_settings"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_interpolation.py"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    assert result.returncode == 3
    assert says in result.stdout + result.stderr
    assert "Start it with:" in result.stdout + result.stderr
