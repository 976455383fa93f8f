"""The demo settings (`make run`): every process shares one cache, and no system check is silenced."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from ..helpers import REPO


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_clear_in_one_process_reaches_the_cache_another_process_filled(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DJANGO_CACHE_DIR": str(tmp_path / "cache")}
    manage(env, "migrate", "-v0")
    fill = (
        "from tenant_registry.models import Tenant; "
        "Tenant.objects.save_config('tn_x', {}); Tenant.objects.get_config('tn_x'); "
        "from tenant_registry import cache; print('filled:', cache.contains('tn_x'))"  # waits for the fill thread
    )
    assert "filled: True" in manage(env, "shell", "-c", fill)
    ask = "from tenant_registry import cache; print('cached:', cache.contains('tn_x'))"
    assert "cached: True" in manage(env, "shell", "-c", ask)
    assert "Invalidated 1 tenant(s): tn_x." in manage(env, "tenant_cache", "clear", "tn_x")
    assert "cached: False" in manage(env, "shell", "-c", ask)
    checked = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert "(0 silenced)" in checked.stdout + checked.stderr


def test_the_readme_admin_section_shows_two_screenshots_and_says_why_its_editor():
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## The admin") : readme.index("\n## ", readme.index("## The admin") + 1)]
    images = re.findall(r"!\[[^\]]+\]\(([^)]+\.png)\)", section)
    assert len(images) == 2
    for image in images:
        assert (REPO / image).read_bytes().startswith(b"\x89PNG"), image
    assert "Why CodeMirror 6:" in section
