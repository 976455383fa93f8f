"""What an import would do: the stored rows it compares with, each file's planned write, the whole plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..documents import diffs
from ..documents.write_rules import Expression
from ..kinds import Source

WRITES = ("created", "updated")


@dataclass(frozen=True)
class Stored:
    name: str
    status: str
    source: str
    config: Any


@dataclass
class Planned:
    tenant_id: str
    path: Path
    action: str  # created, updated, unchanged, skipped
    config: dict[str, Any] = field(default_factory=dict)
    name: str | None = None  # None: keep the stored name
    status: str | None = None  # None: keep the stored status (active on create)
    source: str = Source.DATABASE.value
    stripped: list[str] = field(default_factory=list)
    expressions: list[Expression] = field(default_factory=list)  # the values of config holding a $
    stored: Stored | None = None
    reason: str = ""
    row: Any = None  # the Tenant to write, whose config the plan checked

    @property
    def keeps_config(self) -> bool:
        """A row that serves its CONFIG_DIR file keeps its config column as it is."""
        return self.source == Source.YAML

    def changes(self) -> list[str]:
        """Key-path lines ``path: old -> new`` (secrets masked); empty unless created or updated."""
        if self.action not in WRITES:
            return []
        old = self.stored or Stored("", "", "", {})
        found = diffs.field_changes("config_source", old.source, self.source) if self.stored else []
        for name, new in (("name", self.name), ("status", self.status)):
            if new is not None and self.stored is not None:
                found += diffs.field_changes(name, getattr(old, name), new)
        if not self.keeps_config:
            found += diffs.config_changes(old.config if isinstance(old.config, dict) else {}, self.config)
        return [diffs.line(c) for c in found]

    def same_as_stored(self) -> bool:
        row = self.stored
        return (
            row is not None
            and row.source == self.source
            and self.name in (None, row.name)
            and self.status in (None, row.status)
            and (self.keeps_config or diffs.same(row.config, self.config))
        )


@dataclass
class Plan:
    items: list[Planned] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    prune: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    def writes(self) -> list[Planned]:
        return [item for item in self.items if item.action in WRITES]
