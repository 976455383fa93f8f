from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from tenant_registry.config_files import importer
from tenant_registry.config_files.plan import Plan
from tenant_registry.exceptions import TenantRegistryError

PROGRESS_FROM = 200  # files; shorter imports finish before a progress line would help
PROGRESS_EVERY = 100
COUNTED = ("created", "updated", "unchanged", "skipped")


class Command(BaseCommand):
    help = "Import YAML tenant files (CONFIG_DIR, or the files and folders given) into the database."
    requires_system_checks: list[str] = []  # W005 parses every file in CONFIG_DIR; `manage.py check` runs it

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="*", type=Path, metavar="PATH", help="YAML files or folders (default: CONFIG_DIR)"
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would change; write nothing.")
        parser.add_argument("--diff", action="store_true", help="Show each tenant's changes (secrets masked).")
        parser.add_argument(
            "--prune", action="store_true", help="Deactivate active database tenants without a file here."
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask before pruning.")
        parser.add_argument(
            "--only-new",
            action="store_true",
            help="Import only tenants not in the database yet; skip the others without reading their file.",
        )

    def handle(
        self,
        *args: Any,
        paths: list[Path],
        dry_run: bool,
        diff: bool,
        prune: bool,
        yes: bool,
        only_new: bool,
        **options: Any,
    ) -> None:
        verbosity: int = options["verbosity"]
        try:
            result = importer.plan(paths, prune=prune, only_new=only_new, progress=self._progress())
        except (TenantRegistryError, DatabaseError) as exc:
            raise CommandError(f"nothing was imported: {exc}") from exc
        if result.prune and not dry_run and not yes:
            self._confirm_prune(result.prune)
        self._apply(result, dry_run)
        # Only now, once the import committed (or a dry run passed the write's checks), is each tenant told.
        if verbosity >= 1 or diff:
            self._report(result, "would be " if dry_run else "", diff)
        counts = [f"{result.count(a)} {a}" for a in COUNTED]
        if prune:
            counts.append(f"{len(result.prune)} deactivated")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(f"{verb}: {', '.join(counts)}, {len(result.errors)} failed.")
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if result.errors:
            for error in result.errors:
                self.stderr.write(f"error: {error}")
            done = "checked" if dry_run else "imported"
            raise CommandError(f"{len(result.errors)} file(s) could not be imported; the others were {done}.")

    def _apply(self, result: Plan, dry_run: bool) -> None:
        """The write, or with ``dry_run`` its checks alone: either refuses the import the same way."""
        writes = len(result.writes())
        if not dry_run and writes >= PROGRESS_FROM and self.stdout.isatty():
            self.stdout.write(f"Writing {writes} tenant(s) in one transaction...")
        try:
            importer.apply(result, dry_run=dry_run)
        except (TenantRegistryError, DatabaseError) as exc:
            raise CommandError(f"nothing was imported: {exc}") from exc

    def _report(self, result: Plan, would: str, show_diff: bool) -> None:
        for item in result.items:
            note = f" ({item.reason})" if item.reason else ""
            if item.stripped:
                note += f" (literal secrets not stored: {', '.join(item.stripped)})"
            self.stdout.write(f"{item.tenant_id}: {would}{item.action}{note}")
            if show_diff:
                for line in item.changes():
                    self.stdout.write(f"  {line}")
        for tenant_id in result.prune:
            self.stdout.write(f"{tenant_id}: {would}deactivated (no file)")

    def _confirm_prune(self, tenant_ids: list[str]) -> None:
        what = f"deactivate {len(tenant_ids)} tenant(s) without a file: {', '.join(tenant_ids)}"
        if not sys.stdin.isatty():
            raise CommandError(f"--prune would {what}; nothing was imported. Confirm with --yes.")
        self.stdout.write(f"About to {what}. Continue? [y/N] ", ending="")
        self.stdout.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            raise CommandError("Cancelled; nothing was imported.")

    def _progress(self) -> importer.Progress | None:
        if not self.stdout.isatty():
            return None

        def show(done: int, total: int) -> None:
            if total < PROGRESS_FROM or (done % PROGRESS_EVERY and done != total):
                return
            self.stdout.write(f"\rReading files: {done}/{total}", ending="\n" if done == total else "")
            self.stdout.flush()

        return show
