"""Checks of the Tenant rows, run only when Django passes databases (``check --database``,
``migrate``): W005 for database configs, W010 for rows whose file is missing. Ids are documented
in the README under "System checks"."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.checks import CheckMessage, Warning

from ..config_files import tenant_files
from ..kinds import Source, Status
from .files import secret_messages
from .guards import after_e001, tenant_rows


@after_e001
def check_database_secrets(
    app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W005 for the active rows whose config lives in the database."""
    rows = tenant_rows(databases, "pk", "config", status=Status.ACTIVE, config_source=Source.DATABASE)
    found = [m for pk, config in rows if isinstance(config, dict) for m in secret_messages(pk, Source.DATABASE, config)]
    return sorted(found, key=by_tenant)


@after_e001
def check_yaml_rows(
    app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W010: rows whose config_source is yaml but whose file is missing or does not load (get_config
    raises for them on every read)."""
    rows = tenant_rows(databases, "pk", config_source=Source.YAML)
    return sorted((m for (tenant_id,) in rows for m in yaml_row_messages(tenant_id)), key=by_tenant)


def by_tenant(message: CheckMessage) -> str:
    """Messages in tenant order, as the rows are streamed unsorted."""
    return str(message.msg)


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
