"""Print a pip constraints file pinning every dependency of pyproject.toml to its lower bound.

CI installs the lower-bounds job with it, so the oldest versions we claim to support are tried too.
A requirement without a lower bound is left to the resolver. ``--verify`` checks instead that the
running interpreter has exactly those versions installed.

Usage: python .ci/lower_bounds.py [--verify] [pyproject.toml]
"""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version


def lower_bounds(pyproject: Path) -> dict[str, str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    own = project["name"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    pins: dict[str, str] = {}
    for text in specs:
        req = Requirement(text)
        if req.name == own:
            continue
        for spec in req.specifier:
            if spec.operator in (">=", "==", "~="):
                pins[req.name.lower()] = spec.version
    return pins


def mismatches(pins: dict[str, str]) -> list[str]:
    found = []
    for name, wanted in sorted(pins.items()):
        try:
            installed = version(name)
        except PackageNotFoundError:
            found.append(f"{name}: not installed, expected {wanted}")
            continue
        if Version(installed) != Version(wanted):
            found.append(f"{name}: {installed} installed, expected the lower bound {wanted}")
    return found


def main(argv: list[str]) -> int:
    verify = "--verify" in argv
    args = [a for a in argv if a != "--verify"]
    pins = lower_bounds(Path(args[0] if args else "pyproject.toml"))
    if not verify:
        sys.stdout.write("".join(f"{name}=={pin}\n" for name, pin in sorted(pins.items())))
        return 0
    problems = mismatches(pins)
    for problem in problems:
        sys.stderr.write(f"lower bounds: {problem}\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
