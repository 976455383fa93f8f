"""`make test` brings Debian's chromium for the browser tests by itself, or says in one line why it cannot."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def make_chromium(**variables: str) -> subprocess.CompletedProcess[str]:
    args = ["make", "-s", "-C", str(REPO), "chromium", *(f"{k}={v}" for k, v in variables.items())]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def test_nothing_to_do_when_chromium_is_there(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    done = make_chromium(CHROMIUM=str(chromium), APT_GET=str(tmp_path / "no-apt-get"))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_one_clear_line_when_it_cannot_be_installed(tmp_path: Path) -> None:
    missing = tmp_path / "chromium"
    done = make_chromium(CHROMIUM=str(missing), APT_GET=str(tmp_path / "no-apt-get"))
    assert done.returncode != 0
    assert done.stdout == ""
    ours = [line for line in done.stderr.splitlines() if line.startswith("make test:")]
    hint = "as root run: apt-get install -y chromium"
    assert ours == [f"make test: {missing} is missing and cannot be installed here; {hint}"]


def test_installs_chromium_with_apt_get_when_root(tmp_path: Path) -> None:
    chromium, calls = tmp_path / "chromium", tmp_path / "calls"
    apt_get = tmp_path / "apt-get"
    # Stands in for apt-get: records its arguments and, on install, provides the browser.
    apt_get.write_text(
        f'#!/bin/sh\necho "$*" >> {calls}\n'
        f'case "$*" in *install*) printf "#!/bin/sh\\n" > {chromium}; chmod 755 {chromium};; esac\n'
    )
    apt_get.chmod(0o755)
    done = make_chromium(CHROMIUM=str(chromium), APT_GET=str(apt_get))
    if os.geteuid() != 0:  # apt-get needs root: the step must refuse, not try
        assert (done.returncode != 0, calls.exists()) == (True, False)
        return
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        f"make test: installing Debian's chromium for the browser tests ({apt_get} install -y chromium)"
    ]
    assert calls.read_text().splitlines() == ["update -qq", "install -y -qq chromium"]
    assert os.access(chromium, os.X_OK)
