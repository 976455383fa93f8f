"""System checks on the Tenant rows, run only when Django passes databases (``check --database``,
``migrate``). Ids are documented in the README under "System checks"."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import DatabaseError, router

from . import conf
from .yaml import tenant_files


@register(Tags.database)
def check_yaml_rows(
    app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W010: rows whose config_source is yaml but whose file is missing or does not load (get_config
    raises for them on every read); quiet when the table cannot be read."""
    if not isinstance(getattr(settings, conf.SETTING_NAME, {}), dict):
        return []  # E001 says why
    tenant = apps.get_model("tenant_registry", "Tenant")
    using = router.db_for_read(tenant)
    if not databases or using not in databases:
        return []
    try:
        ids = list(tenant.objects.using(using).filter(config_source="yaml").values_list("pk", flat=True))
    except DatabaseError:
        return []
    return [m for tenant_id in ids for m in yaml_row_messages(tenant_id)]


def yaml_row_messages(tenant_id: str) -> list[CheckMessage]:
    problem = tenant_files.file_problem(tenant_id)
    if problem is None:
        return []
    return [
        Warning(
            f"tenant {tenant_id}: config_source is yaml but {problem}.",
            hint="Add or fix the file, or set the row's config_source to database: until then get_config "
            "raises for this tenant.",
            id="tenant_registry.W010",
        )
    ]
