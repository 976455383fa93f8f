from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from tenant_registry.exceptions import TenantRegistryError
from tenant_registry.ids import validate_id
from tenant_registry.models import Tenant
from tenant_registry.yaml import exporter


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
        for item in exports:
            if item.stripped:
                self.stderr.write(f"tenant {item.tenant_id}: literal secrets left out: {', '.join(item.stripped)}")
        if out is None:
            self.stdout.write(exports[0].text, ending="")
            return
        for item in exports:
            target = out / f"{item.tenant_id}.yaml"
            try:
                exporter.write(out, item.tenant_id, item.text)
            except OSError as exc:
                raise CommandError(f"tenant {item.tenant_id}: cannot write {target}: {exc.strerror or exc}") from exc
            if options["verbosity"] >= 2:
                self.stdout.write(f"{item.tenant_id}: {target}")
        self.stdout.write(f"Exported {len(exports)} tenant(s) to {out}.")

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
            raise CommandError(
                f"tenant {', '.join(missing)}: not in the database (YAML-only tenants already are files)"
            )
        return [found[t] for t in tenant_ids]

    def _export(self, tenant: Tenant) -> exporter.Export:
        try:
            return exporter.export(tenant)
        except TenantRegistryError as exc:
            raise CommandError(f"tenant {tenant.pk}: {exc}") from exc
