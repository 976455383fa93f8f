"""The Tenant admin. Saves go through ``Tenant.objects.save_config``, like every other writer."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from . import cache, diffs, effective, exporter, revisions
from .exceptions import TenantRegistryError
from .forms import TenantForm, pretty
from .models import Tenant

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Tenant]
else:
    _ModelAdmin = admin.ModelAdmin

EDIT_FIELDS = ("id", "name", "status", "config_source", "config", "expected_version")
VIEW_FIELDS = ("id", "name", "status", "config_source")
RECORD_FIELDS = ("version", "created_at", "updated_at")


@admin.register(Tenant)
class TenantAdmin(_ModelAdmin):
    form = TenantForm
    list_display = ("id", "name", "status", "config_source", "updated_at", "cached")
    list_filter = ("status", "config_source")
    search_fields = ("id", "name")
    search_help_text = "Search by tenant id or name."
    ordering = ("id",)
    list_per_page = 50
    readonly_fields = ("effective_config", *RECORD_FIELDS)
    actions = ("invalidate_cache", "export_yaml")

    def get_fieldsets(self, request: HttpRequest, obj: Tenant | None = None) -> Any:
        editable = self.has_change_permission(request, obj) or obj is None
        main = EDIT_FIELDS if editable else VIEW_FIELDS
        sets: list[Any] = [(None, {"fields": main})]
        if obj is not None:
            note = "What get_config returns now, every secret masked, and where each secret came from."
            sets.append(("Effective config", {"fields": ("effective_config",), "description": note}))
            sets.append(("Record", {"fields": RECORD_FIELDS, "classes": ("collapse",)}))
        return sets

    def get_readonly_fields(self, request: HttpRequest, obj: Tenant | None = None) -> tuple[str, ...]:
        return (*self.readonly_fields, "id") if obj is not None else self.readonly_fields

    @admin.display(boolean=True, description="in cache now")
    def cached(self, obj: Tenant) -> bool | None:
        return cache.contains(obj.pk)

    @admin.display(description="resolved")
    def effective_config(self, obj: Tenant) -> str:
        try:
            found = effective.effective(Tenant, obj.pk)
        except TenantRegistryError as exc:
            return format_html('<p class="errornote">{}</p>', str(exc))
        if found.config is None:
            return "not found"
        rows = format_html_join(
            "",
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            ((s.path, s.shown, s.origin, s.variable) for s in found.secrets),
        )
        table = (
            format_html(
                '<table class="tr-secrets"><thead><tr><th>secret</th><th>value</th><th>from</th><th>variable</th>'
                "</tr></thead><tbody>{}</tbody></table>",
                rows,
            )
            if found.secrets
            else ""
        )
        return format_html('<pre class="tr-json tr-effective">{}</pre>{}', pretty(found.config), table)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        with revisions.acting(request.user, "admin"):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        with revisions.acting(request.user, "admin"):
            return super().changelist_view(request, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        with revisions.acting(request.user, "admin"):
            return super().delete_view(request, object_id, extra_context)

    def save_model(self, request: HttpRequest, obj: Tenant, form: Any, change: bool) -> None:
        if obj.config_source == Tenant.Source.YAML:
            obj.save()
            return
        expected = form.cleaned_data.get("expected_version") if change else None
        saved = Tenant.objects.save_config(
            obj.pk, obj.config, name=obj.name, status=obj.status, expected_version=expected
        )
        for name in ("config", "config_source", "version", "created_at", "updated_at"):
            setattr(obj, name, getattr(saved, name))

    @admin.action(description="Invalidate the cache of the selected tenants", permissions=("change",))
    def invalidate_cache(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        cache.invalidate(ids)
        self.message_user(request, f"Invalidated {len(ids)} tenant(s).", messages.SUCCESS)

    @admin.action(description="Export the selected tenants as YAML", permissions=("view",))
    def export_yaml(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse:
        exports = [exporter.export(tenant) for tenant in queryset]
        note = exporter.stripped_note(exports)
        if note is not None:
            self.message_user(request, note, messages.WARNING)
        if len(exports) == 1:
            response = HttpResponse(exports[0].text, content_type="application/yaml; charset=utf-8")
            filename = f"{exports[0].tenant_id}.yaml"
        else:
            response = HttpResponse(exporter.to_zip(exports), content_type="application/zip")
            filename = "tenants.zip"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def get_urls(self) -> list[URLPattern]:
        restore = self.admin_site.admin_view(require_POST(self.restore_view))
        name = f"{self.opts.app_label}_{self.opts.model_name}_restore"
        mine = [path("<path:object_id>/history/<int:history_id>/restore/", restore, name=name)]
        return mine + super().get_urls()

    def _tenant(self, request: HttpRequest, object_id: str) -> Tenant:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No tenant {object_id!r}")
        return obj

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self._tenant(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        records = list(obj.history.select_related("history_user").order_by("history_date", "history_id"))
        entries = [(rec, diffs.changes(prev, rec)) for prev, rec in pairwise([None, *records])][::-1]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": obj,
            "title": f"History of {obj}",
            "entries": entries,
            "can_restore": self.has_change_permission(request, obj),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/tenant_registry/tenant/revisions.html", context)

    def restore_view(self, request: HttpRequest, object_id: str, history_id: int) -> HttpResponse:
        obj = self._tenant(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        record = obj.history.filter(history_id=history_id).first()
        if record is None:
            raise Http404(f"No revision {history_id} of tenant {obj.pk}")
        expected = request.POST.get("expected_version", "")
        try:
            with revisions.acting(request.user, f"admin: restore of revision {history_id}"):
                Tenant.objects.save_config(
                    obj.pk,
                    record.config,
                    name=record.name,
                    status=record.status,
                    expected_version=int(expected) if expected.isdigit() else None,
                )
        except TenantRegistryError as exc:
            self.message_user(request, f"Not restored: {exc}", messages.ERROR)
        else:
            self.message_user(
                request,
                f"Restored revision {history_id} of {obj.pk} (a new revision records the restore).",
                messages.SUCCESS,
            )
        info = (self.opts.app_label, self.opts.model_name)
        return HttpResponseRedirect(
            reverse("admin:{}_{}_history".format(*info), args=[obj.pk], current_app=self.admin_site.name)
        )
