"""The package's size rules: modules under 250 lines, functions of at most 40 (docs/design.md, Layout)."""

from __future__ import annotations

import ast

from ..helpers import REPO

PACKAGE = REPO / "tenant_registry"


def test_no_module_reaches_250_lines() -> None:
    long = {str(p.relative_to(REPO)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) >= 250}
    assert long == {}


def test_no_function_is_over_40_lines() -> None:
    long = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > 40:
                    long[f"{path.relative_to(REPO)}:{node.lineno} {node.name}"] = lines
    assert long == {}
