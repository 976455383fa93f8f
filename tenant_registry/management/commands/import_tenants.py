from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenant_registry import importer
from tenant_registry.exceptions import TenantRegistryError


class Command(BaseCommand):
    help = "Import YAML tenant files (CONFIG_DIR, or the files and folders given) into the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="*", type=Path, metavar="PATH", help="YAML files or folders (default: CONFIG_DIR)"
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would change; write nothing.")

    def handle(self, *args: Any, paths: list[Path], dry_run: bool, **options: Any) -> None:
        result = importer.plan(paths)
        verb = "Would import" if dry_run else "Imported"
        for item in result.items:
            note = " (YAML-only tenant)" if item.action == "skipped" else ""
            if item.stripped:
                note += f" (literal secrets not stored: {', '.join(item.stripped)})"
            self.stdout.write(f"{item.tenant_id}: {'would be ' if dry_run else ''}{item.action}{note}")
        if not dry_run:
            try:
                importer.apply(result)
            except TenantRegistryError as exc:
                raise CommandError(f"nothing was imported: {exc}") from exc
        counts = ", ".join(f"{result.count(a)} {a}" for a in ("created", "updated", "unchanged", "skipped"))
        self.stdout.write(f"{verb}: {counts}, {len(result.errors)} failed.")
        if result.errors:
            for error in result.errors:
                self.stderr.write(f"error: {error}")
            done = "checked" if dry_run else "imported"
            raise CommandError(f"{len(result.errors)} file(s) could not be imported; the others were {done}.")
