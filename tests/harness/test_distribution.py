"""The built wheel and sdist hold every file of the package that git tracks: the admin's templates, its
static files and the Lua scripts (installed from a wheel without its templates, the admin cannot render).
CI also installs the wheel into a fresh virtualenv and runs the admin and browser tests against it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ..helpers import REPO


def tracked_tree(target: Path) -> None:
    """A copy of the files git tracks, as they are in the work tree (the build sees nothing else)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True)
    for name in filter(None, listed.stdout.split("\0")):
        if (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)


def test_the_wheel_and_the_sdist_hold_every_tracked_package_file(tmp_path: Path) -> None:
    src, dist = tmp_path / "src", tmp_path / "dist"
    tracked_tree(src)
    build = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(src)], capture_output=True, text=True, timeout=300
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    check = subprocess.run(
        [sys.executable, str(REPO / ".ci" / "check_dist.py"), str(dist)], cwd=REPO, capture_output=True, text=True
    )
    assert (check.returncode, check.stderr) == (0, "")
    templates = sorted((REPO / "tenant_registry" / "templates").rglob("*.html"))
    assert templates and f", {len(templates)} admin templates\n" in check.stdout
