"""Re-encrypting every stored secret with the first key, in batches that each commit whole.

A row the first key encrypted carries its id, so a run skips those in the query itself: a run that was
interrupted (killed, or stopped by a row no key opens) is finished by running it again. Each batch is
read, opened, sealed again and written in one transaction: a row that does not open stops the run
before anything of its batch is written.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import router, transaction
from django.db.models import QuerySet

from .. import cache
from .keys import Keys, current
from .model import StoredSecret
from .sealing import seal, unseal


def pending(keys: Keys) -> QuerySet[StoredSecret]:
    """The rows the first key did not encrypt."""
    using = router.db_for_write(StoredSecret)
    return StoredSecret.objects.using(using).exclude(key_id=keys.first_id).order_by("pk")


def check_all(batch_size: int, keys: Keys | None = None) -> int:
    """How many rows a rotation would re-encrypt, each opened (not written) to prove it can be."""
    keys = keys or current()
    count, after = 0, 0
    while batch := list(pending(keys).filter(pk__gt=after)[:batch_size]):
        for row in batch:
            unseal(row.tenant_id, row.path, row.token, keys)
        count, after = count + len(batch), batch[-1].pk
    return count


def rotate(batch_size: int, done: Callable[[int], None], keys: Keys | None = None) -> int:
    """Re-encrypt every pending row; ``done(total)`` after each committed batch. Returns the total."""
    keys = keys or current()
    using = router.db_for_write(StoredSecret)
    total = 0
    while True:
        with transaction.atomic(using=using):
            batch = list(pending(keys).select_for_update()[:batch_size])
            if not batch:
                return total
            for row in batch:
                value = unseal(row.tenant_id, row.path, row.token, keys)
                row.token, row.key_id = seal(row.tenant_id, row.path, value, keys)
            StoredSecret.objects.using(using).bulk_update(batch, ["token", "key_id"])
            cache.invalidate_on_commit({row.tenant_id for row in batch}, using)
        total += len(batch)
        done(total)
