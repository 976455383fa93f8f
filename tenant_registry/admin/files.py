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
from django.utils.text import smart_split, unescape_string_literal

from .. import conf
from ..config_files import tenant_files
from ..kinds import Source, Status
from ..models import Tenant
from .display import FileState, badge, effective_html, file_badge, file_state

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin
    from django.contrib.admin.views.main import ChangeList

FILE_ONLY = "yaml-only"


def file_only_ids() -> list[str]:
    """YAML-only tenants, and files without a database row (get_config reads both from the file)."""
    yaml_only = conf.get_settings().YAML_ONLY_TENANTS
    ids = set(tenant_files.yaml_tenant_ids()) | set(yaml_only)
    rows = set(Tenant.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return sorted(i for i in ids if i in yaml_only or i not in rows)


def is_file_only(tenant_id: str) -> bool:
    if tenant_id in conf.get_settings().YAML_ONLY_TENANTS:
        return True
    return not Tenant.objects.filter(pk=tenant_id).exists() and tenant_id in tenant_files.yaml_tenant_ids()


def _with_file_count(
    counts: dict[str, int], request: HttpRequest, index: int, param: str, value: str
) -> dict[str, int]:
    """Facet counts with the file-only tenants added to the choice they are listed under."""
    params = {k: str(v) for k, v in request.GET.items()} | {param: value}
    key = f"{index}__c"
    return {**counts, key: counts.get(key, 0) + len(file_matches(params))}


class SourceFilter(admin.SimpleListFilter):
    title = "where the config comes from"
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (Source.DATABASE, "Database (edited here)"),
            (Source.YAML, "YAML file, with a database row"),
            (FILE_ONLY, "YAML file only (read-only)"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> QuerySet[Tenant]:
        value = self.value()
        if value == FILE_ONLY:
            return queryset.none()
        if value in Source.values:
            return queryset.filter(config_source=value)
        return queryset

    def get_facet_queryset(self, changelist: ChangeList) -> dict[str, int]:
        counts = super().get_facet_queryset(changelist)
        return _with_file_count(counts, self.request, 2, self.parameter_name, FILE_ONLY)


class StatusFilter(admin.ChoicesFieldListFilter):
    """The status choices; file-only tenants count as active, as they are listed."""

    def get_facet_queryset(self, changelist: ChangeList) -> dict[str, int]:
        counts = super().get_facet_queryset(changelist)
        active = [value for value, _ in self.field.flatchoices].index(Tenant.Status.ACTIVE)
        return _with_file_count(counts, self.request, active, self.lookup_kwarg, Tenant.Status.ACTIVE)


def source_badge(source: str) -> SafeString:
    text = {Source.DATABASE: "database", Source.YAML: "YAML file (row)", FILE_ONLY: "YAML file only"}[source]
    return badge(text, "file" if source != Source.DATABASE else "neutral")


def file_matches(params: Mapping[str, str]) -> list[tuple[str, FileState]]:
    """The file-only tenants the changelist's search and filters keep, with the state of their file."""
    if params.get("source") not in (None, FILE_ONLY) or params.get("status__exact") not in (None, Status.ACTIVE):
        return []
    terms = search_terms(params.get("q") or "")
    found = []
    for tenant_id in file_only_ids():
        state = file_state(tenant_id)
        if all(term in tenant_id or term in state.name.lower() for term in terms):
            found.append((tenant_id, state))
    return found


def search_terms(query: str) -> list[str]:
    """The terms of a search as ModelAdmin.get_search_results splits them: each must match the id or name."""
    terms = []
    for bit in smart_split(query):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        terms.append(bit.lower())
    return terms


def changelist_rows(params: Mapping[str, str], columns: Sequence[str], site: str) -> list[SafeString]:
    """Table rows of the file-only tenants matching the changelist's search and filters."""
    rows = []
    for tenant_id, state in file_matches(params):
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
        "yaml_only": tenant_id in conf.get_settings().YAML_ONLY_TENANTS,
    }
    return TemplateResponse(request, "admin/tenant_registry/tenant/file_tenant.html", context)
