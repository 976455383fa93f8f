from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from tenant_registry import conf
from tenant_registry.config_files import exporter, tenant_files
from tenant_registry.exceptions import TenantRegistryError
from tenant_registry.ids import validate_id
from tenant_registry.models import Tenant


class Command(BaseCommand):
    help = "Write database tenants as YAML files (<id>.yaml) that import_tenants reads back unchanged."
    requires_system_checks: list[str] = []  # W005 parses every file in CONFIG_DIR; `manage.py check` runs it

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "tenant_ids", nargs="*", metavar="ID", help="Tenants to export (default: every database tenant)"
        )
        parser.add_argument("--out", type=Path, metavar="DIR", help="Folder to write to (default: stdout, one ID only)")

    def handle(self, *args: Any, tenant_ids: list[str], out: Path | None, **options: Any) -> None:
        try:
            tenants = self._tenants(tenant_ids)
        except DatabaseError as exc:
            raise CommandError(f"nothing was exported: the database is unavailable ({exc})") from exc
        if out is None and len(tenant_ids) != 1:
            raise CommandError("Give --out DIR to export more than one tenant (stdout takes a single ID).")
        exports = [self._export(tenant) for tenant in tenants]
        if out is None:
            self.stdout.write(exports[0].text, ending="")
            self._left_out(exports[0])
            return
        for done, item in enumerate(exports):
            target = out / f"{item.tenant_id}.yaml"
            try:
                exporter.write(out, item.tenant_id, item.text)
            except OSError as exc:
                before = f" ({done} of {len(exports)} tenant(s) were written before it)" if done else ""
                raise CommandError(
                    f"tenant {item.tenant_id}: cannot write {target}: {exc.strerror or exc}{before}"
                ) from exc
            if options["verbosity"] >= 2:
                self.stdout.write(f"{item.tenant_id}: {target}")
            self._left_out(item)
        self.stdout.write(f"Exported {len(exports)} tenant(s) to {out}.")

    def _left_out(self, item: exporter.Export) -> None:
        """Said of an export once it is written, never of one that was not."""
        if item.stripped:
            self.stderr.write(f"tenant {item.tenant_id}: literal secrets left out: {', '.join(item.stripped)}")

    def _tenants(self, tenant_ids: list[str]) -> list[Tenant]:
        for tenant_id in tenant_ids:
            try:
                validate_id(tenant_id)
            except TenantRegistryError as exc:
                raise CommandError(str(exc)) from exc
        if not tenant_ids:
            return list(Tenant.objects.all())
        found = Tenant.objects.in_bulk(tenant_ids)
        missing = [t for t in tenant_ids if t not in found]
        if missing:
            raise CommandError(_not_exported(missing))
        return [found[t] for t in tenant_ids]

    def _export(self, tenant: Tenant) -> exporter.Export:
        try:
            return exporter.export(tenant)
        except TenantRegistryError as exc:
            raise CommandError(f"tenant {tenant.pk}: {exc}") from exc


def _not_exported(missing: list[str]) -> str:
    """Why ids without a database row cannot be exported: each is YAML-only, served from its file in
    CONFIG_DIR, or no tenant at all."""
    yaml_only = conf.get_settings().YAML_ONLY_TENANTS
    files = set(tenant_files.yaml_tenant_ids())
    folder = tenant_files.config_dir()
    groups = (
        ([t for t in missing if t in yaml_only], "not in the database (YAML-only tenants already are files)"),
        (
            [t for t in missing if t not in yaml_only and t in files],
            f"not in the database (served from <id>.yaml in {folder}, already a YAML file)",
        ),
        (
            [t for t in missing if t not in yaml_only and t not in files],
            f"no such tenant (no database row and no file in {folder})",
        ),
    )
    return "; ".join(f"tenant {', '.join(ids)}: {why}" for ids, why in groups if ids)
