"""Planning and applying a YAML import: what each file would change, then one transaction.

``plan`` only reads. ``apply`` is the single place that writes an import (bulk upserts and the
prune), so anything that must happen per written tenant (history rows, audit) belongs there; with
``dry_run`` it runs the write's checks on the same rows and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from .. import conf, revisions
from ..documents import schema
from ..documents import secret_values as secrets
from ..documents.env_access import PrefixOwners, check_expressions, memoised, unresolvable_in
from ..exceptions import ConfigFileError, InvalidTenantId
from ..ids import ID_RE, env_prefix, validate_id
from ..kinds import Source, Status
from ..managers import STATUSES, storable
from ..models import Tenant
from . import tenant_files
from .plan import Plan, Planned, Stored

BATCH_SIZE = 1000
UPDATED_FIELDS = ("name", "status", "config", "config_source", "version", "updated_at")
META_FIELDS = {"name": None, "status": STATUSES, "config_source": tuple(Tenant.Source.values)}
Progress = Callable[[int, int], None]
NAME_MAX: int = Tenant._meta.get_field("name").max_length  # type: ignore[assignment]


def files_to_import(paths: Sequence[Path]) -> list[Path]:
    if not paths:
        paths = [tenant_files.config_dir()]
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob(f"*{tenant_files.SUFFIX}")) if path.is_dir() else [path])
    return found


def stored_tenants(compared: Collection[str]) -> dict[str, Stored]:
    """Every row, with its config only when its id is in ``compared`` (the files' tenants): the
    others are needed for their prefix and status, and decoding their configs would cost more
    than the whole import of a few files."""
    configs: dict[str, Any] = {}
    wanted = sorted(compared)
    for start in range(0, len(wanted), BATCH_SIZE):
        configs.update(Tenant.objects.filter(pk__in=wanted[start : start + BATCH_SIZE]).values_list("id", "config"))
    rows = Tenant.objects.values_list("id", "name", "status", "config_source")
    return {tenant_id: Stored(name, status, source, configs.get(tenant_id)) for tenant_id, name, status, source in rows}


def plan(
    paths: Sequence[Path], *, prune: bool = False, only_new: bool = False, progress: Progress | None = None
) -> Plan:
    """What importing ``paths`` would do; reads only. Errors name the file (and line or key path).
    With ``only_new``, tenants already in the database are skipped without reading their file."""
    schema.get_validator()  # a broken SCHEMA file stops the whole import, before any file
    result = Plan()
    files = files_to_import(paths)
    stored = stored_tenants(() if only_new else {path.stem for path in files})
    owners = _PrefixOwners(stored)
    references = memoised(_with_files(files, Tenant.objects.prefix_owners))
    for done, path in enumerate(files, 1):
        try:
            item = _plan_file(path, stored, only_new, references)
            if item.action != "skipped":  # a row that keeps its config is served from this file
                where = f"{path}: tenant {item.tenant_id}"
                result.warnings += [
                    f"{where}: {p} (get_config fails until it is set)"
                    for p in unresolvable_in(item.tenant_id, item.expressions)
                ]
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
        result.prune = sorted(t for t, row in stored.items() if row.status == Tenant.Status.ACTIVE and t not in seen)
    return result


def _with_files(files: Sequence[Path], owners: PrefixOwners) -> PrefixOwners:
    """``owners``, and the tenants of the files being imported: a file may not read the variables of
    a tenant that the same import creates."""
    batch = {env_prefix(path.stem): path.stem for path in files if ID_RE.fullmatch(path.stem)}

    def ask(prefixes: Collection[str]) -> dict[str, str]:
        return {**{p: batch[p] for p in prefixes if p in batch}, **owners(prefixes)}

    return ask


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


def _tenant_of(path: Path) -> str:
    """The tenant id a file to import names, once it is known to be a file we may read."""
    try:
        tenant_id = validate_id(path.stem)
    except InvalidTenantId as exc:
        raise ConfigFileError(f"{path}: the file name is not a tenant id: {exc}") from None
    if not path.is_file():
        raise ConfigFileError(f"{path}: no such file")
    if path.is_symlink() and not path.resolve().is_relative_to(path.parent.resolve()):
        raise ConfigFileError(f"{path}: refusing a link that leaves {path.parent}")
    return tenant_id


def _plan_file(path: Path, stored: dict[str, Stored], only_new: bool, references: PrefixOwners) -> Planned:
    tenant_id = _tenant_of(path)
    if tenant_id in conf.get_settings().YAML_ONLY_TENANTS:
        return Planned(tenant_id, path, "skipped", reason="YAML-only tenant")
    current = stored.get(tenant_id)
    if only_new and current is not None:
        return Planned(tenant_id, path, "skipped", reason="already in the database")
    raw = tenant_files.load_file(path)
    meta = _meta(raw.get("_meta") or {}, f"{path}: tenant {tenant_id}")
    row = Tenant(
        id=tenant_id,
        config=storable(tenant_id, raw),
        config_source=meta.get("config_source", Source.DATABASE.value),
    )
    checked = row.check_config(references)  # the file's one walk: bulk_create finds the row as it left it
    if row.config_source != Tenant.Source.DATABASE:  # the file's references, as if it were stored
        check_expressions(tenant_id, checked.expressions, references)
    schema.validate(tenant_id, row.config)
    row.config = config = checked.stripped
    stripped = [secrets.dotted(path) for path in checked.removed]
    client = config.get("client")
    named, name = "_meta.name", meta.get("name")
    if name is None and isinstance(client, dict) and isinstance(client.get("name"), str):
        named, name = "client.name", client["name"]
    if name is not None and len(name) > NAME_MAX:
        raise ConfigFileError(f"{path}: tenant {tenant_id}: {named} is longer than {NAME_MAX} characters")
    item = Planned(tenant_id, path, "created", config, name, meta.get("status"), row.config_source, row=row)
    if item.keeps_config and tenant_files.tenant_file(tenant_id) is None:
        expected = tenant_files.expected_file(tenant_id)
        raise ConfigFileError(f"{path}: tenant {tenant_id}: _meta.config_source is yaml but {expected} does not exist")
    item.stripped, item.expressions, item.stored = stripped, checked.expressions, current
    if current is not None:
        item.action = "unchanged" if item.same_as_stored() else "updated"
    return item


def _meta(meta: object, where: str) -> dict[str, str]:
    """The ``_meta`` block of an export: name, status and config_source, each optional."""
    if not isinstance(meta, dict):
        raise ConfigFileError(f"{where}: _meta must be a mapping of name, status and config_source")
    for key, value in meta.items():
        if key not in META_FIELDS:
            raise ConfigFileError(f"{where}: _meta.{key} is not known (name, status, config_source)")
        allowed = META_FIELDS[key]
        if not isinstance(value, str) or (allowed is not None and value not in allowed):
            expected = f"one of {', '.join(allowed)}" if allowed else "a string"
            raise ConfigFileError(f"{where}: _meta.{key} must be {expected}, got {value!r}")
    return meta


def apply(result: Plan, *, batch_size: int = BATCH_SIZE, dry_run: bool = False) -> None:
    """Write the plan in one transaction: bulk upserts (version + 1 on update, as ``save_config``)
    and the prune. TenantQuerySet strips secrets and invalidates each written tenant once, after commit.
    With ``dry_run``, the same rows are built and refused by the same checks (``check_bulk``, which
    ``bulk_create`` runs), and nothing is locked or written.
    """
    items = result.writes()
    if dry_run:
        current = _read(items, lock=False)
        Tenant.objects.check_bulk([_row(item, current.get(item.tenant_id)) for item in items])
        return
    with transaction.atomic(), revisions.acting(reason="import_tenants"):
        locked = _read(items, lock=True)
        Tenant.objects.bulk_create(
            [_row(item, locked.get(item.tenant_id)) for item in items],
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=list(UPDATED_FIELDS),
        )
        if result.prune:
            Tenant.objects.filter(pk__in=result.prune, status=Tenant.Status.ACTIVE).update(
                status=Tenant.Status.INACTIVE
            )


@dataclass(frozen=True)
class _Locked:
    version: int
    name: str
    status: str
    config: Any = None


def _read(items: list[Planned], *, lock: bool) -> dict[str, _Locked]:
    """What the rows about to be written hold (the config only of rows that keep it), read under a
    lock unless ``lock`` is false (a dry run)."""
    ids = [item.tenant_id for item in items]
    keep = [item.tenant_id for item in items if item.keeps_config]
    locked: dict[str, _Locked] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        rows = Tenant.objects.filter(pk__in=ids[start : start + BATCH_SIZE])
        rows = rows.select_for_update() if lock else rows
        locked.update((pk, _Locked(*row)) for pk, *row in rows.values_list("pk", "version", "name", "status"))
    for pk, config in Tenant.objects.filter(pk__in=keep).values_list("pk", "config"):
        locked[pk] = _Locked(locked[pk].version, locked[pk].name, locked[pk].status, config)
    return locked


def _row(item: Planned, current: _Locked | None) -> Tenant:
    """The row to write: what the file states, else what the row holds (active and unnamed on create).
    It is the plan's row, whose config the plan checked, unless the stored config is kept."""
    now = current or _Locked(0, "", Status.ACTIVE.value, {})
    row: Tenant = Tenant(id=item.tenant_id, config_source=item.source) if item.keeps_config else item.row
    row.config = now.config if item.keeps_config else item.config
    row.name = now.name if item.name is None else item.name
    row.status = item.status or now.status
    row.version = now.version + 1
    return row
