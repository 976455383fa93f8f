"""Tenants served from a YAML file without a database row: listed beside the others, shown read-only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from . import conf
from .admin_display import badge, effective_html, file_badge, file_state
from .models import Tenant
from .yaml import tenant_files

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

FILE_ONLY = "yaml-only"


def file_only_ids() -> list[str]:
    """YAML-only tenants, and files without a database row (get_config reads both from the file)."""
    yaml_only = conf.get("YAML_ONLY_TENANTS")
    ids = set(tenant_files.yaml_tenant_ids()) | set(yaml_only)
    rows = set(Tenant.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return sorted(i for i in ids if i in yaml_only or i not in rows)


def is_file_only(tenant_id: str) -> bool:
    if tenant_id in conf.get("YAML_ONLY_TENANTS"):
        return True
    return not Tenant.objects.filter(pk=tenant_id).exists() and tenant_id in tenant_files.yaml_tenant_ids()


class SourceFilter(admin.SimpleListFilter):
    title = "where the config comes from"
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("database", "Database (edited here)"),
            ("yaml", "YAML file, with a database row"),
            (FILE_ONLY, "YAML file only (read-only)"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> QuerySet[Tenant]:
        value = self.value()
        if value == FILE_ONLY:
            return queryset.none()
        if value in ("database", "yaml"):
            return queryset.filter(config_source=value)
        return queryset


def source_badge(source: str) -> SafeString:
    text = {"database": "database", "yaml": "YAML file (row)", FILE_ONLY: "YAML file only"}[source]
    return badge(text, "file" if source != "database" else "neutral")


def changelist_rows(params: Mapping[str, str], columns: Sequence[str], site: str) -> list[SafeString]:
    """Table rows of the file-only tenants matching the changelist's search and filters."""
    if params.get("source") not in (None, FILE_ONLY) or params.get("status__exact") not in (None, "active"):
        return []
    query = (params.get("q") or "").strip().lower()
    rows = []
    for tenant_id in file_only_ids():
        state = file_state(tenant_id)
        if query and query not in tenant_id and query not in state.name.lower():
            continue
        url = reverse("admin:tenant_registry_tenant_change", args=[quote(tenant_id)], current_app=site)
        cells = {
            "action_checkbox": format_html("<td>{}</td>", ""),
            "id": format_html('<th scope="row" class="field-id"><a href="{}">{}</a></th>', url, tenant_id),
            "name": format_html("<td>{}</td>", state.name),
            "status": format_html("<td>{}</td>", "Active"),
            "source": format_html("<td>{}</td>", source_badge(FILE_ONLY)),
            "file": format_html("<td>{}</td>", file_badge(state)),
            "updated_at": format_html("<td>{}</td>", _when(state.modified)),
            "cached": format_html("<td>{}</td>", badge("read from file", "neutral")),
        }
        rows.append(format_html("<tr>{}</tr>", SafeString("".join(cells.get(c, "<td></td>") for c in columns))))
    return rows


def _when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC (file)"


def file_tenant_view(model_admin: ModelAdmin[Tenant], request: HttpRequest, tenant_id: str) -> HttpResponse:
    """The read-only page of a file-only tenant: its file, whether it parses, the masked effective config."""
    state = file_state(tenant_id)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"{tenant_id}: YAML-only tenant (read-only)",
        "tenant_id": tenant_id,
        "state": state,
        "checked": datetime.now(tz=UTC),
        "modified": _when(state.modified),
        "effective": effective_html(tenant_id) if not state.error else "",
        "yaml_only": tenant_id in conf.get("YAML_ONLY_TENANTS"),
    }
    return TemplateResponse(request, "admin/tenant_registry/tenant/file_tenant.html", context)
