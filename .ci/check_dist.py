"""Every file of the package that git tracks (code, migrations, templates, static, .lua) is in the wheel and the sdist.

Usage: python .ci/check_dist.py DIST_DIR   (the folder `python -m build` wrote one wheel and one sdist to)
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

PACKAGE = "tenant_registry"
TEMPLATES = f"{PACKAGE}/templates/admin/{PACKAGE}/tenant/"


def tracked() -> list[str]:
    out = subprocess.run(["git", "ls-files", PACKAGE], capture_output=True, text=True, check=True).stdout
    return out.split()


def main(dist: Path) -> int:
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    with tarfile.open(sdist) as tar:
        in_sdist = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    files = tracked()
    problems = [
        f"{archive.name} lacks {path}"
        for archive, names in ((wheel, in_wheel), (sdist, in_sdist))
        for path in files
        if path not in names
    ]
    templates = sorted(name for name in in_wheel if name.startswith(TEMPLATES) and name.endswith(".html"))
    if not templates:
        problems.append(f"{wheel.name} has no admin template under {TEMPLATES}")
    for problem in problems:
        sys.stderr.write(f"{problem}\n")
    if not problems:
        sys.stdout.write(
            f"{wheel.name} and {sdist.name}: {len(files)} tracked files, {len(templates)} admin templates\n"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
