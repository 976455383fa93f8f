"""A safe YAML loader that refuses what a tenant file must not contain, with the line of each problem."""

from __future__ import annotations

import math
from typing import Any

import yaml

from .exceptions import ConfigFileError

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 100_000


class TenantLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader (C when available) that rejects duplicate or non-string keys, dates, binary and sets."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        self.flatten_mapping(node)
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise _marked(key_node, f"keys must be strings, got {type(key).__name__} {key!r}")
            if key in seen:
                raise _marked(key_node, f"duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        value: float = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise _marked(node, f"non-finite number {node.value!r} is not allowed")
        return value


def _refuse(what: str) -> Any:
    def construct(loader: TenantLoader, node: yaml.Node) -> None:
        raise _marked(node, f"{what} are not allowed (quote the value to keep it as text)")

    return construct


def _marked(node: yaml.Node, problem: str) -> yaml.MarkedYAMLError:
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


TenantLoader.add_constructor("tag:yaml.org,2002:float", TenantLoader.construct_yaml_float)
for _tag, _what in (
    ("timestamp", "dates"),
    ("binary", "binary values"),
    ("set", "sets"),
    ("omap", "ordered maps"),
    ("pairs", "pairs"),
):
    TenantLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse(_what))


def parse(text: str, where: str, *, max_depth: int) -> dict[str, Any]:
    """Parse one YAML document that must be a mapping; errors name ``where`` and the line."""
    try:
        doc = yaml.load(text, Loader=TenantLoader)  # noqa: S506 - TenantLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = ", ".join(part for part in (exc.context, exc.problem) if part)
        raise ConfigFileError(f"{where}{line}: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{where}: {exc}") from None
    except RecursionError:
        raise ConfigFileError(f"{where}: nesting is too deep") from None
    if not isinstance(doc, dict):
        kind = "empty" if doc is None else f"a {type(doc).__name__}"
        raise ConfigFileError(f"{where}: the document must be a mapping, got {kind}")
    _check_shape(doc, where, max_depth)
    return doc


def _check_shape(doc: Any, where: str, max_depth: int) -> None:
    """Refuse self-referencing aliases, deep nesting and alias bombs (shared nodes counted expanded)."""
    count = 0
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ConfigFileError(f"{where}: too many values (over {MAX_NODES}, aliases expanded)")
        if depth > max_depth:
            raise ConfigFileError(f"{where}: nesting is deeper than {max_depth} levels (or an alias refers to itself)")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
