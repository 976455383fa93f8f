"""What the checks share: silence while E001 stands, and the one way they read Tenant rows."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator
from typing import Any

from django.apps import apps
from django.core.checks import CheckMessage
from django.db import DatabaseError, router

from .. import conf

Check = Callable[..., list[CheckMessage]]


def after_e001(check: Check) -> Check:
    """Checks that read the settings object stay quiet while E001 or E002 say it cannot be built."""

    @functools.wraps(check)
    def run(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
        if conf.problems(conf.given()):
            return []
        return check(app_configs, **kwargs)

    return run


def tenant_rows(databases: Collection[str] | None, *fields: str, **where: Any) -> Iterator[tuple[Any, ...]]:
    """The rows' ``fields``, streamed, when Django asked for the Tenant table's database; nothing
    when it did not, or before ``migrate`` made the table (migrate runs the checks first)."""
    tenant = apps.get_model("tenant_registry", "Tenant")
    using = router.db_for_read(tenant)
    if not databases or using not in databases:
        return
    try:
        rows = tenant.objects.using(using).filter(**where).order_by().values_list(*fields)
        yield from rows.iterator(chunk_size=2000)  # unordered: a sort of every row is not needed
    except DatabaseError:
        return
