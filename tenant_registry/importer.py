"""Planning and applying a YAML import: what each file would change, then one transaction.

``plan`` only reads. ``apply`` is the single place that writes an import (bulk upserts and the
prune), so anything that must happen per written tenant (history rows, audit) belongs there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from . import conf, diffs, revisions, schema, secrets, yaml_source
from .env_access import PrefixOwners, memoised
from .exceptions import ConfigFileError, InvalidTenantId
from .ids import env_prefix, validate_id
from .managers import clean_config
from .models import Tenant

WRITES = ("created", "updated")
BATCH_SIZE = 1000
UPDATED_FIELDS = ("name", "config", "config_source", "version", "updated_at")
Progress = Callable[[int, int], None]
NAME_MAX: int = Tenant._meta.get_field("name").max_length  # type: ignore[assignment]


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
    name: str | None = None
    stripped: list[str] = field(default_factory=list)
    stored: Stored | None = None

    def changes(self) -> list[str]:
        """Key-path lines ``path: old -> new`` (secrets masked); empty unless created or updated."""
        if self.action not in WRITES:
            return []
        if self.stored is None:
            return [diffs.line(c) for c in diffs.config_changes({}, self.config)]
        found = diffs.field_changes("config_source", self.stored.source, "database")
        if self.name is not None:
            found += diffs.field_changes("name", self.stored.name, self.name)
        old = self.stored.config if isinstance(self.stored.config, dict) else {}
        return [diffs.line(c) for c in found + diffs.config_changes(old, self.config)]


@dataclass
class Plan:
    items: list[Planned] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    prune: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    def writes(self) -> list[Planned]:
        return [item for item in self.items if item.action in WRITES]


def files_to_import(paths: Sequence[Path]) -> list[Path]:
    if not paths:
        paths = [yaml_source.config_dir()]
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob(f"*{yaml_source.SUFFIX}")) if path.is_dir() else [path])
    return found


def stored_tenants() -> dict[str, Stored]:
    rows = Tenant.objects.values_list("id", "name", "status", "config_source", "config")
    return {tenant_id: Stored(name, status, source, config) for tenant_id, name, status, source, config in rows}


def plan(paths: Sequence[Path], *, prune: bool = False, progress: Progress | None = None) -> Plan:
    """What importing ``paths`` would do; reads only. Errors name the file (and line or key path)."""
    schema.get_validator()  # a broken SCHEMA file stops the whole import, before any file
    result = Plan()
    stored = stored_tenants()
    owners = _PrefixOwners(stored)
    references = memoised(Tenant.objects.prefix_owners)
    files = files_to_import(paths)
    for done, path in enumerate(files, 1):
        try:
            item = _plan_file(path, stored, references)
            if item.action != "skipped":
                owners.claim(item.tenant_id, path)
            result.items.append(item)
        except (ConfigFileError, ValueError) as exc:
            message = str(exc)
            result.errors.append(message if str(path) in message else f"{path}: {message}")
        if progress is not None:
            progress(done, len(files))
    if prune:
        seen = {path.stem for path in files}
        result.prune = sorted(t for t, row in stored.items() if row.status == "active" and t not in seen)
    return result


class _PrefixOwners:
    """Which tenant holds each environment-variable prefix (acme-1 and acme_1 both map to ACME_1_)."""

    def __init__(self, stored: dict[str, Stored]) -> None:
        self.owner: dict[str, tuple[str, Path | None]] = {env_prefix(t): (t, None) for t in stored}

    def claim(self, tenant_id: str, path: Path) -> None:
        prefix = env_prefix(tenant_id)
        other, other_path = self.owner.setdefault(prefix, (tenant_id, path))
        if other != tenant_id:
            where = f"the file {other_path}" if other_path else "the database"
            raise ConfigFileError(
                f"{path}: tenant {tenant_id} clashes with tenant {other} (from {where}): "
                f"both map to the environment prefix {prefix}; rename one of them"
            )


def _plan_file(path: Path, stored: dict[str, Stored], references: PrefixOwners) -> Planned:
    try:
        tenant_id = validate_id(path.stem)
    except InvalidTenantId as exc:
        raise ConfigFileError(f"{path}: the file name is not a tenant id: {exc}") from None
    if not path.is_file():
        raise ConfigFileError(f"{path}: no such file")
    if path.is_symlink() and not path.resolve().is_relative_to(path.parent.resolve()):
        raise ConfigFileError(f"{path}: refusing a link that leaves {path.parent}")
    if tenant_id in conf.get("YAML_ONLY_TENANTS"):
        return Planned(tenant_id, path, "skipped")
    doc = clean_config(tenant_id, yaml_source.load_file(path), references)
    config, stripped = secrets.strip(doc)
    client = config.get("client")
    name = client.get("name") if isinstance(client, dict) and isinstance(client.get("name"), str) else None
    if name is not None and len(name) > NAME_MAX:
        raise ConfigFileError(f"{path}: tenant {tenant_id}: client.name is longer than {NAME_MAX} characters")
    current = stored.get(tenant_id)
    if current is None:
        action = "created"
    elif current.source == "database" and diffs.same(current.config, config) and name in (None, current.name):
        action = "unchanged"
    else:
        action = "updated"
    return Planned(tenant_id, path, action, config, name, stripped, current)


def apply(result: Plan, *, batch_size: int = BATCH_SIZE) -> None:
    """Write the plan in one transaction: bulk upserts (version + 1 on update, as ``save_config``)
    and the prune. TenantQuerySet strips secrets and invalidates each written tenant once, after commit.
    """
    items = result.writes()
    with transaction.atomic(), revisions.acting(reason="import_tenants"):
        locked = _lock(item.tenant_id for item in items)
        Tenant.objects.bulk_create(
            [_row(item, locked.get(item.tenant_id)) for item in items],
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=list(UPDATED_FIELDS),
        )
        if result.prune:
            Tenant.objects.filter(pk__in=result.prune, status="active").update(status="inactive")


def _lock(tenant_ids: Iterator[str]) -> dict[str, tuple[int, str]]:
    """Lock the rows about to be written; their current (version, name), read under the lock."""
    ids = list(tenant_ids)
    locked: dict[str, tuple[int, str]] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        rows = Tenant.objects.select_for_update().filter(pk__in=ids[start : start + BATCH_SIZE])
        locked.update((pk, (version, name)) for pk, version, name in rows.values_list("pk", "version", "name"))
    return locked


def _row(item: Planned, current: tuple[int, str] | None) -> Tenant:
    version, name = current if current is not None else (0, "")
    return Tenant(
        id=item.tenant_id,
        name=name if item.name is None else item.name,
        status=Tenant.Status.ACTIVE,
        config_source=Tenant.Source.DATABASE,
        config=item.config,
        version=version + 1,
    )
