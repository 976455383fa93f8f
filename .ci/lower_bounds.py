"""Print a pip constraints file pinning every dependency of pyproject.toml to its lower bound.

CI installs the lower-bounds job with it, so the oldest versions we claim to support are tried too.
A requirement without a lower bound is left to the resolver.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement


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


def main() -> int:
    pyproject = Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml")
    for name, version in sorted(lower_bounds(pyproject).items()):
        sys.stdout.write(f"{name}=={version}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
