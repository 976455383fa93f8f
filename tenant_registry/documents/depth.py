"""The nesting cap on config input, checked without recursion so that no input can exhaust the stack.

The cap is MAX_YAML_DEPTH, the one YAML files have, so an exported config imports back.
"""

from __future__ import annotations

import re
from typing import Any

from .. import conf
from ..exceptions import InvalidConfig
from .secret_values import dotted

# A whole string literal (escapes included; an unterminated one runs to the end of its line), or a bracket.
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|[\[\]{}]')


def limit() -> int:
    return int(conf.get_settings().MAX_YAML_DEPTH)


def check_text(text: str) -> None:
    """Refuse JSON text whose brackets nest deeper than the cap, before a parser sees it.

    Raises InvalidConfig naming the line and column of the first bracket too deep.
    """
    cap = limit()
    depth = 0
    for match in _TOKEN.finditer(text):
        found = match.group()
        if found in "[{":
            depth += 1
            if depth > cap:
                start = match.start()
                line = text.count("\n", 0, start) + 1
                column = start - (text.rfind("\n", 0, start) + 1) + 1
                raise InvalidConfig(f"nesting is deeper than {cap} levels at line {line}, column {column}")
        elif found in "]}":
            depth = max(depth - 1, 0)


def check_doc(tenant_id: str, doc: Any) -> None:
    """Refuse a document nested deeper than the cap (the root counts as level 1, as in YAML files).

    Walks with an explicit stack, so a self-referencing document stops at the cap too.
    """
    cap = limit()
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list | tuple):  # a tuple is stored as a JSON array
            children = node
        else:
            continue
        if level >= cap and children:
            path = dotted(_too_deep(doc, cap))
            raise InvalidConfig(f"tenant {tenant_id}: nesting is deeper than {cap} levels at {path}")
        stack.extend((child, level + 1) for child in children)


def _too_deep(doc: Any, cap: int) -> tuple[str | int, ...]:
    """The key path of the first value past the cap: walked again, with paths, only on refusal."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(doc, ())]
    while stack:
        node, path = stack.pop()
        if len(path) >= cap:
            return path
        if isinstance(node, dict):
            stack.extend((value, (*path, key)) for key, value in node.items())
        elif isinstance(node, list | tuple):
            stack.extend((value, (*path, index)) for index, value in enumerate(node))
    return ()
