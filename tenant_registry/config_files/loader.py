"""A safe YAML loader that reads scalars the YAML 1.2 core-schema way and refuses what a tenant file
must not contain, with the line of each problem."""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from ..exceptions import ConfigFileError

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 100_000
EXPANSION_FACTOR = 8  # the document, aliases expanded, may hold at most this many times MAX_YAML_BYTES

# (tag, pattern, first characters): YAML 1.2 core schema, plus 1.1's merge key "<<", which configs use.
CORE_RESOLVERS: tuple[tuple[str, str, list[str]], ...] = (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("merge", r"^(?:<<)$", ["<"]),
)
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what the config's JSON encoder (orjson) holds
_STR = "tag:yaml.org,2002:str"


class TenantLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader (C when available) with YAML 1.2 core scalars, that rejects duplicate or non-string
    keys, binary, sets, leading-zero integers and documents that aliases would make too large."""

    # Our own table: PyYAML's add_implicit_resolver would start from a copy of the YAML 1.1 one.
    yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}
    max_depth = 32
    max_chars = EXPANSION_FACTOR * 1_048_576
    anchors = True  # without an anchor there is no alias: the file's own size bounds the document

    def get_single_node(self) -> yaml.Node | None:
        node: yaml.Node | None = super().get_single_node()
        if node is not None and self.anchors:
            _Measure(self.max_depth, self.max_chars).size(node, 1)
        elif node is not None:
            _count(node, self.max_depth)
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """SafeConstructor's, with every key checked before any value is made, in one pass of
        the merge keys (PyYAML's own would flatten the node a second time)."""
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)  # which refuses it
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is yaml.ScalarNode and key_node.tag == _STR:
                key = key_node.value  # what construct_yaml_str would make
            else:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raise _marked(key_node, f"keys must be strings, got {type(key).__name__} {key!r}")
            if key in mapping:
                raise _marked(key_node, f"duplicate key {key!r}")
            mapping[key] = value_node
        construct = self.construct_object
        for key, value_node in mapping.items():
            mapping[key] = construct(value_node, deep=deep)
        return mapping

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        if _LEADING_ZERO.fullmatch(text):
            reading = "as text" if set(text) & {"8", "9"} else "as an octal number"
            raise _marked(  # the number is not repeated: it may be a PIN under a secret key
                node,
                f"a number with a leading zero is ambiguous (YAML 1.1 reads it {reading}, YAML 1.2 drops the "
                "zero): quote it to keep it as text, or remove the leading zero",
            )
        try:
            value = int(text[2:], 8 if text[1] == "o" else 16) if text.startswith(("0o", "0x")) else int(text)
        except ValueError:
            raise _marked(node, f"{text!r} is not an integer") from None
        if not _INT_MIN <= value <= _INT_MAX:
            raise _marked(
                node, "an integer that does not fit in 64 bits, as a config's must: quote it to keep it as text"
            )
        return value

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        value: float = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise _marked(node, f"non-finite number {node.value} is not allowed: quote it to keep it as text")
        return value


class _Measure:
    """Size of the composed node graph with aliases expanded, computed once per node (so an alias
    costs nothing to measure): scalar characters, values and height, refused past the caps."""

    def __init__(self, max_depth: int, max_chars: int) -> None:
        self.max_depth = max_depth
        self.max_chars = max_chars
        self.known: dict[int, tuple[int, int, int]] = {}

    def size(self, node: yaml.Node, depth: int) -> tuple[int, int, int]:
        known = self.known.get(id(node))
        if known is None:
            if depth > self.max_depth:
                raise self._too_deep(node)
            known = self.known[id(node)] = self._measure(node, depth)
        if depth - 1 + known[2] > self.max_depth:
            raise self._too_deep(node)
        return known

    def _measure(self, node: yaml.Node, depth: int) -> tuple[int, int, int]:
        if isinstance(node, yaml.ScalarNode):
            return len(node.value), 1, 1
        chars = values = height = 0
        pairs = node.value if isinstance(node, yaml.MappingNode) else [(None, child) for child in node.value]
        for key, value in pairs:
            if key is not None:
                chars += self.size(key, depth + 1)[0]
            more, count, tall = self.size(value, depth + 1)
            chars, values, height = chars + more, values + count, max(height, tall)
            if chars > self.max_chars:
                raise _marked(
                    node,
                    f"too large once aliases are expanded (over {self.max_chars} characters: "
                    f"{EXPANSION_FACTOR} x MAX_YAML_BYTES)",
                )
            if values > MAX_NODES:
                raise _marked(node, f"too many values (over {MAX_NODES}, aliases expanded)")
        return chars, values + 1, height + 1

    def _too_deep(self, node: yaml.Node) -> yaml.MarkedYAMLError:
        return _marked(node, f"nesting is deeper than {self.max_depth} levels (or an alias refers to itself)")


def _count(root: yaml.Node, max_depth: int) -> None:
    """The depth and value caps of a document without aliases, in one pass with no memo: each
    collection adds its children at once, and only collections are visited."""
    values = 1
    stack: list[tuple[yaml.Node, int]] = [(root, 1)] if isinstance(root, yaml.CollectionNode) else []
    while stack:
        node, depth = stack.pop()
        mapping = type(node) is yaml.MappingNode
        children = [value for _, value in node.value] if mapping else node.value  # keys are scalars: values only
        if not children:
            continue
        if depth >= max_depth:
            raise _marked(children[-1], f"nesting is deeper than {max_depth} levels (or an alias refers to itself)")
        values += len(children)
        if values > MAX_NODES:
            raise _marked(node, f"too many values (over {MAX_NODES}, aliases expanded)")
        stack.extend((child, depth + 1) for child in children if isinstance(child, yaml.CollectionNode))


def _refuse(what: str) -> Any:
    def construct(loader: TenantLoader, node: yaml.Node) -> None:
        raise _marked(node, f"{what} are not allowed (quote the value to keep it as text)")

    return construct


def _marked(node: yaml.Node, problem: str) -> yaml.MarkedYAMLError:
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


for _tag, _pattern, _first in CORE_RESOLVERS:
    TenantLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), _first)
TenantLoader.add_constructor("tag:yaml.org,2002:int", TenantLoader.construct_yaml_int)
TenantLoader.add_constructor("tag:yaml.org,2002:float", TenantLoader.construct_yaml_float)
# "<<" is a merge only as a key (flatten_mapping); as a value it is the text, as in YAML 1.2.
TenantLoader.add_constructor("tag:yaml.org,2002:merge", TenantLoader.construct_yaml_str)
for _tag, _what in (
    ("timestamp", "dates"),
    ("binary", "binary values"),
    ("set", "sets"),
    ("omap", "ordered maps"),
    ("pairs", "pairs"),
):
    TenantLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse(_what))


def parse(text: str, where: str, *, max_depth: int, max_bytes: int) -> dict[str, Any]:
    """Parse one YAML document that must be a mapping; errors name ``where`` and the line. The
    document, aliases expanded, may hold at most EXPANSION_FACTOR x ``max_bytes`` scalar characters."""
    loader = TenantLoader(text)
    loader.max_depth, loader.max_chars = max_depth, EXPANSION_FACTOR * max_bytes
    loader.anchors = "&" in text
    try:
        doc = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = ", ".join(part for part in (exc.context, exc.problem) if part)
        raise ConfigFileError(f"{where}{line}: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{where}: {exc}") from None
    except RecursionError:
        raise ConfigFileError(f"{where}: nesting is too deep") from None
    finally:
        loader.dispose()
    if not isinstance(doc, dict):
        kind = "empty" if doc is None else f"a {type(doc).__name__}"
        raise ConfigFileError(f"{where}: the document must be a mapping, got {kind}")
    return doc
