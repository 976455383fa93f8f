"""The Tenant admin. Saves go through ``Tenant.objects.save_config``, like every other writer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.safestring import SafeString

from .. import cache, revisions
from ..config_files import exporter
from ..documents import schema
from ..exceptions import TenantRegistryError
from ..metrics import summary
from ..models import Tenant
from ..secret_store.admin import secrets_link, stored_secrets_view
from . import files as admin_files
from . import history as admin_history
from .display import cache_label, effective_html, file_badge, file_state
from .domains import DomainInline, posted_with
from .forms import TenantForm

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Tenant]
else:
    _ModelAdmin = admin.ModelAdmin

EDIT_FIELDS = ("id", "name", "status", "config_source", "config", "expected_version")
VIEW_FIELDS = ("id", "name", "status", "config_source")
RECORD_FIELDS = ("version", "created_at", "updated_at")
# orjson.JSONEncodeError: a document nested past orjson's limit, stored by a path that does not check depth.
OPERATOR_ERRORS = (TenantRegistryError, RecursionError, ValidationError, orjson.JSONEncodeError)


@admin.register(Tenant)
class TenantAdmin(_ModelAdmin):
    form = TenantForm
    list_display = ("id", "name", "status", "source", "file", "updated_at", "cached")
    list_filter = (("status", admin_files.StatusFilter), admin_files.SourceFilter)
    search_fields = ("id", "name")
    search_help_text = "Search by tenant id or name (YAML-only tenants included)."
    ordering = ("id",)
    list_per_page = 50
    readonly_fields = ("effective_config", *RECORD_FIELDS)
    actions = ("invalidate_cache", "export_yaml")
    inlines = (DomainInline,)

    def get_fieldsets(self, request: HttpRequest, obj: Tenant | None = None) -> Any:
        editable = self.has_change_permission(request, obj) or obj is None
        main = EDIT_FIELDS if editable else VIEW_FIELDS
        sets: list[Any] = [(None, {"fields": main})]
        if obj is not None:
            note = "What get_config returns now, every secret masked, and where each secret came from."
            sets.append(("Effective config", {"fields": ("effective_config",), "description": note}))
            sets.append(("Record", {"fields": RECORD_FIELDS, "classes": ("collapse",)}))
        return sets

    def get_inline_instances(self, request: HttpRequest, obj: Tenant | None = None) -> list[Any]:
        return [inline for inline in super().get_inline_instances(request, obj) if posted_with(request, inline)]

    def get_readonly_fields(self, request: HttpRequest, obj: Tenant | None = None) -> tuple[str, ...]:
        return (*self.readonly_fields, "id") if obj is not None else self.readonly_fields

    @admin.display(description="source", ordering="config_source")
    def source(self, obj: Tenant) -> SafeString:
        return admin_files.source_badge(obj.config_source)

    @admin.display(description="YAML file")
    def file(self, obj: Tenant) -> SafeString | str:
        return file_badge(file_state(obj.pk)) if obj.config_source == Tenant.Source.YAML else ""

    @admin.display(description="cache")
    def cached(self, obj: Tenant) -> SafeString:
        return cache_label(obj.pk)

    @admin.display(description="resolved")
    def effective_config(self, obj: Tenant) -> SafeString:
        return effective_html(obj.pk)

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        changelist = super().get_changelist_instance(request)
        first_page = changelist.page_num in (0, 1)
        columns = [str(c) for c in changelist.list_display]
        params = {k: str(v) for k, v in request.GET.items()}
        rows = admin_files.changelist_rows(params, columns, self.admin_site.name) if first_page else []
        changelist.file_rows = rows  # type: ignore[attr-defined]
        return changelist

    def _guarded(self, request: HttpRequest, view: Callable[[], HttpResponse], back: str) -> HttpResponse:
        """An operator's action that fails on bad input ends in a message on a page, never in a 500."""
        try:
            return view()
        except OPERATOR_ERRORS as exc:
            if isinstance(exc, RecursionError):
                text = "nesting is too deep"
            elif isinstance(exc, ValidationError):
                text = "; ".join(exc.messages)
            else:
                text = str(exc)
            self.message_user(request, f"Not done: {text}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path() if request.method == "POST" else back)

    def _url(self, name: str, *args: Any) -> str:
        info = (self.opts.app_label, self.opts.model_name, name)
        return reverse("admin:{}_{}_{}".format(*info), args=args, current_app=self.admin_site.name)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if object_id is not None and not self.has_view_or_change_permission(request):
            raise PermissionDenied  # before any lookup: existing and unknown ids get the same answer
        if object_id is not None and admin_files.is_file_only(unquote(object_id)):
            return self._guarded(
                request,
                lambda: admin_files.file_tenant_view(self, request, unquote(object_id)),
                self._url("changelist"),
            )

        def view() -> HttpResponse:
            validator = schema.get_validator()
            context = {**(extra_context or {}), "tr_schema": validator.schema if validator is not None else None}
            context["tr_secrets_url"] = secrets_link(self, request, object_id)
            with revisions.acting(request.user, "admin"):
                return super(TenantAdmin, self).changeform_view(request, object_id, form_url, context)

        return self._guarded(request, view, self._url("changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        def view() -> HttpResponse:
            shown = {**(extra_context or {}), "cache_state": summary.for_admin(self.has_view_permission(request))}
            with revisions.acting(request.user, "admin"):
                return super(TenantAdmin, self).changelist_view(request, shown)

        return self._guarded(request, view, reverse("admin:index", current_app=self.admin_site.name))

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        def view() -> HttpResponse:
            with revisions.acting(request.user, "admin"):
                return super(TenantAdmin, self).delete_view(request, object_id, extra_context)

        return self._guarded(request, view, self._url("changelist"))

    def save_model(self, request: HttpRequest, obj: Tenant, form: Any, change: bool) -> None:
        if obj.config_source == Tenant.Source.YAML:
            obj.save()
            return
        expected = form.started_from() if change else None
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
        restore = self.admin_site.admin_view(self.restore_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_restore"
        mine = [path("<path:object_id>/history/<int:history_id>/restore/", restore, name=name)]
        secrets = self.admin_site.admin_view(self.stored_secrets_view)
        mine.append(path("<path:object_id>/secrets/", secrets, name=name.replace("_restore", "_secrets")))
        return mine + super().get_urls()

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return self._guarded(
            request, lambda: admin_history.history_view(self, request, object_id), self._url("changelist")
        )

    def stored_secrets_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._guarded(request, lambda: stored_secrets_view(self, request, object_id), self._url("changelist"))

    def restore_view(self, request: HttpRequest, object_id: str, history_id: int) -> HttpResponse:
        return self._guarded(
            request,
            lambda: admin_history.restore_view(self, request, object_id, history_id),
            self._url("changelist"),
        )
