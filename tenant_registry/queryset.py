"""A QuerySet whose bulk write paths strip secrets, record revisions and invalidate the tenants they touched."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import F

from . import revisions
from .cache import invalidate_on_commit
from .documents.env_access import check_expressions, memoised
from .documents.secret_values import strip
from .documents.write_rules import check
from .kinds import Source

if TYPE_CHECKING:
    from .models import Tenant

if TYPE_CHECKING:
    _QuerySet = models.QuerySet["Tenant"]
else:
    _QuerySet = models.QuerySet


class TenantQuerySet(_QuerySet):
    def update(self, **kwargs: Any) -> int:
        self._for_write = True  # as Django's own write methods do: self.db is now the write database
        config = kwargs.get("config")
        if isinstance(config, dict):
            # Refused before the transaction, so a caller's own transaction stays usable.
            targets = list(self._plain().filter(pk__in=self.values("pk")).values_list("pk", flat=True))
            if not targets:  # rows that appear before the lock are still written without secrets
                kwargs["config"] = strip(config)[0]
            else:
                checked = check(targets[0], config)  # one walk; the references are each target's own
                kwargs["config"] = checked.stripped
                owners = memoised(self.model.objects.prefix_owners)
                for tenant_id in targets:
                    check_expressions(tenant_id, checked.expressions, owners)
        kwargs.setdefault("version", F("version") + 1)
        with transaction.atomic(using=self.db, savepoint=False):
            ids = list(self.select_for_update().values_list("pk", flat=True))
            if not ids:
                return 0
            count = super().update(**kwargs)
            self._record(ids, "queryset.update", update=True)
            invalidate_on_commit(ids, self.db)
        return count

    update.alters_data = True  # type: ignore[attr-defined]

    def check_bulk(self, objs: list[Tenant]) -> None:
        """What ``bulk_create`` refuses before it writes (InvalidConfig), each row's literal secrets
        stripped on the way: references a row may not make, and new tenants whose prefix would hand
        them another tenant's references. Callers that must fail as the write would (a dry run) call it."""
        owners = memoised(self.model.objects.prefix_owners)
        for obj in objs:
            obj.strip_secrets(owners)
        self.model.objects.check_new_prefixes(
            {obj.pk: obj.config if obj.config_source == Source.DATABASE else None for obj in objs}
        )

    def bulk_create(self, objs: Iterable[Tenant], *args: Any, **kwargs: Any) -> list[Tenant]:
        objs = list(objs)
        self.check_bulk(objs)
        ids = [obj.pk for obj in objs]
        self._for_write = True
        with transaction.atomic(using=self.db, savepoint=False):
            existing = (
                set(self._plain().filter(pk__in=ids).values_list("pk", flat=True))
                if kwargs.get("update_conflicts")
                else set()
            )
            created = super().bulk_create(objs, *args, **kwargs)
            self._record([i for i in ids if i not in existing], "bulk_create", update=False)
            self._record([i for i in ids if i in existing], "bulk_create", update=True)
            invalidate_on_commit(ids, self.db)
        return created

    def bulk_update(self, objs: Iterable[Tenant], fields: Iterable[str], *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        self._for_write = True
        owners = memoised(self.model.objects.prefix_owners)
        for obj in objs:
            obj.strip_secrets(owners)
        # Django's bulk_update writes through update(): versions, revisions and invalidation happen there.
        with revisions.acting(revisions.current_user(), revisions.reason("bulk_update")):
            count = super().bulk_update(objs, fields, *args, **kwargs)
        fresh = self._plain().filter(pk__in=[obj.pk for obj in objs])
        versions = dict(fresh.values_list("pk", "version"))
        for obj in objs:
            obj.version = versions.get(obj.pk, obj.version)
        return count

    def _plain(self) -> models.QuerySet[Tenant]:
        """A QuerySet without our overrides, for the reads the write paths make."""
        return models.QuerySet(self.model, using=self.db)

    def _record(self, ids: list[str], default_reason: str, *, update: bool) -> None:
        """One revision per tenant, from the rows as they now are in the database."""
        if not ids:
            return
        rows: list[Any] = list(self._plain().filter(pk__in=ids))
        history = self.model.history
        history.bulk_history_create(
            rows,
            update=update,
            default_user=revisions.current_user(),
            default_change_reason=revisions.reason(default_reason),
        )
