from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenant_registry import cache
from tenant_registry.exceptions import TenantRegistryError
from tenant_registry.ids import validate_id
from tenant_registry.models import Tenant


class Command(BaseCommand):
    help = "Inspect (info) or empty (clear [ID ...]) the tenant config cache."
    requires_system_checks: list[str] = []  # W005 parses every file in CONFIG_DIR; `manage.py check` runs it

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{info,clear}")
        actions.add_parser("info", help="cache_info() as a table")
        clear = actions.add_parser("clear", help="Invalidate the given tenants, or every entry of this app.")
        clear.add_argument("tenant_ids", nargs="*", metavar="ID")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "info":
            self._info()
        else:
            self._clear(options.get("tenant_ids") or [])

    def _info(self) -> None:
        info = Tenant.objects.cache_info()
        if info["reason"] is None:  # shown only when the cache is not used
            del info["reason"]
        width = max(len(key) for key in info)
        for key, value in info.items():
            self.stdout.write(f"{key.ljust(width)}  {_cell(value)}")

    def _clear(self, tenant_ids: list[str]) -> None:
        try:
            ids = [validate_id(t) for t in tenant_ids]
        except TenantRegistryError as exc:
            raise CommandError(str(exc)) from exc
        if not ids:
            removed = Tenant.objects.invalidate_all()
            self._fail_if_owed()
            self.stdout.write(f"Removed {removed} cache entr{'y' if removed == 1 else 'ies'}.")
            return
        for tenant_id in ids:
            Tenant.objects.invalidate(tenant_id)
        self._fail_if_owed()
        self.stdout.write(f"Invalidated {len(ids)} tenant(s): {', '.join(ids)}.")

    def _fail_if_owed(self) -> None:
        owed, everything = cache.pending()
        if owed or everything:
            what = "every entry" if everything else ", ".join(sorted(owed))
            raise CommandError(
                f"the cache is unavailable: could not invalidate {what}; run the command again once it answers"
            )


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "unknown" if value is None else str(value)
