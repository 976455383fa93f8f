"""`make test` brings Debian's chromium for the browser tests, `make test-scale` Debian's pgbouncer for the
pooler tests and `make frontend-check` Debian's npm for the editor's build, by themselves, or say in one line
why they cannot."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from ..helpers import REPO


class Package(NamedTuple):
    name: str  # the make target and the Debian package
    variable: str  # the Makefile variable naming the file it provides
    target: str  # the make target that needs it
    purpose: str


PACKAGES = [
    Package("chromium", "CHROMIUM", "test", "for the browser tests"),
    Package("pgbouncer", "PGBOUNCER", "test-scale", "for the pooler tests"),
    Package("npm", "NPM", "frontend-check", "for the editor's build"),
]


@pytest.fixture(params=PACKAGES, ids=lambda package: package.name)
def package(request: pytest.FixtureRequest) -> Package:
    found: Package = request.param
    return found


def make(package: Package, provided: Path, apt_get: Path) -> subprocess.CompletedProcess[str]:
    args = ["make", "-s", "-C", str(REPO), package.name, f"{package.variable}={provided}", f"APT_GET={apt_get}"]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def test_nothing_to_do_when_the_package_is_there(tmp_path: Path, package: Package) -> None:
    provided = tmp_path / package.name
    provided.write_text("#!/bin/sh\n")
    provided.chmod(0o755)
    done = make(package, provided, tmp_path / "no-apt-get")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_one_clear_line_when_it_cannot_be_installed(tmp_path: Path, package: Package) -> None:
    missing = tmp_path / package.name
    done = make(package, missing, tmp_path / "no-apt-get")
    assert done.returncode != 0
    assert done.stdout == ""
    ours = [line for line in done.stderr.splitlines() if line.startswith(f"make {package.target}:")]
    hint = f"as root run: apt-get install -y {package.name}"
    assert ours == [f"make {package.target}: {missing} is missing and cannot be installed here; {hint}"]


def test_installs_the_package_with_apt_get_when_root(tmp_path: Path, package: Package) -> None:
    provided, calls = tmp_path / package.name, tmp_path / "calls"
    apt_get = tmp_path / "apt-get"
    # Stands in for apt-get: records its arguments and, on install, provides the file.
    apt_get.write_text(
        f'#!/bin/sh\necho "$*" >> {calls}\n'
        f'case "$*" in *install*) printf "#!/bin/sh\\n" > {provided}; chmod 755 {provided};; esac\n'
    )
    apt_get.chmod(0o755)
    done = make(package, provided, apt_get)
    if os.geteuid() != 0:  # apt-get needs root: the step must refuse, not try
        assert (done.returncode != 0, calls.exists()) == (True, False)
        return
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        f"make {package.target}: installing Debian's {package.name} {package.purpose} "
        f"({apt_get} install -y {package.name})"
    ]
    assert calls.read_text().splitlines() == ["update -qq", f"install -y -qq {package.name}"]
    assert os.access(provided, os.X_OK)
