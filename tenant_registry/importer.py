"""Planning and applying a YAML import: what each file would change, then one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from . import conf, secrets, yaml_source
from .exceptions import ConfigFileError, InvalidTenantId
from .ids import validate_id
from .managers import clean_config
from .models import Tenant


@dataclass
class Planned:
    tenant_id: str
    path: Path
    action: str  # created, updated, unchanged, skipped
    config: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    stripped: list[str] = field(default_factory=list)


@dataclass
class Plan:
    items: list[Planned] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)


def files_to_import(paths: list[Path]) -> list[Path]:
    if not paths:
        paths = [yaml_source.config_dir()]
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob(f"*{yaml_source.SUFFIX}")) if path.is_dir() else [path])
    return found


def plan(paths: list[Path]) -> Plan:
    result = Plan()
    existing = {t.pk: t for t in Tenant.objects.all()}
    for path in files_to_import(paths):
        try:
            result.items.append(_plan_file(path, existing))
        except (ConfigFileError, ValueError) as exc:
            message = str(exc)
            result.errors.append(message if str(path) in message else f"{path}: {message}")
    return result


def _plan_file(path: Path, existing: dict[str, Tenant]) -> Planned:
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
    doc = clean_config(tenant_id, yaml_source.load_file(path))
    config, stripped = secrets.strip(doc)
    client = config.get("client")
    name = client.get("name") if isinstance(client, dict) and isinstance(client.get("name"), str) else None
    current = existing.get(tenant_id)
    if current is None:
        action = "created"
    elif current.config == config and (name is None or current.name == name) and current.config_source == "database":
        action = "unchanged"
    else:
        action = "updated"
    return Planned(tenant_id, path, action, config, name, stripped)


def apply(result: Plan) -> None:
    with transaction.atomic():
        for item in result.items:
            if item.action in ("created", "updated"):
                Tenant.objects.save_config(item.tenant_id, item.config, name=item.name)
