from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from tenant_registry.exceptions import SecretKeysError, StoredSecretError
from tenant_registry.secret_store import rotation
from tenant_registry.secret_store.keys import STORE, current, enabled, named


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (SECRET_STORE) with the first key of SECRET_KEYS_FERNET, in batches "
        "that each commit whole. Rows the first key encrypted are skipped, so an interrupted run is finished "
        "by running it again. Keep the old keys listed after the first until it has finished."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Open every pending row, write nothing, say how many would change."
        )

    def handle(self, *args: Any, batch_size: int, dry_run: bool, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError(f"--batch-size must be a positive number, got {batch_size}")
        if not enabled():
            raise CommandError(f"the encrypted store is off: {named(STORE)} is not 'database'")
        self.done = 0
        try:
            keys = current()
            if dry_run:
                count = rotation.check_all(batch_size, keys)
                self.stdout.write(f"Would re-encrypt {count} {_secrets(count)}.")
                return
            total = rotation.rotate(batch_size, self._progress, keys)
        except SecretKeysError as exc:
            raise CommandError(str(exc)) from exc
        except StoredSecretError as exc:
            raise CommandError(str(exc) if dry_run else f"{exc}. {_stopped(self.done)}") from exc
        except DatabaseError as exc:
            raise CommandError(f"the database is unavailable ({exc}); run the command again to finish") from exc
        self.stdout.write(f"Re-encrypted {total} {_secrets(total)} with the first key.")

    done = 0

    def _progress(self, total: int) -> None:
        self.done = total
        self.stdout.write(f"re-encrypted {total} so far")
        self.stdout.flush()


def _stopped(done: int) -> str:
    return (
        f"{done} {_secrets(done)} were re-encrypted before it, nothing of its batch; "
        "fix or remove that secret, then run the command again to finish"
    )


def _secrets(count: int) -> str:
    return "secret" if count == 1 else "secrets"
