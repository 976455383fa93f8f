"""The Tenant admin. Saves go through ``Tenant.objects.save_config``, like every other writer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import cache
from .forms import TenantForm
from .models import Tenant

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Tenant]
else:
    _ModelAdmin = admin.ModelAdmin


@admin.register(Tenant)
class TenantAdmin(_ModelAdmin):
    form = TenantForm
    list_display = ("id", "name", "status", "config_source", "updated_at", "cached")
    list_filter = ("status", "config_source")
    search_fields = ("id", "name")
    ordering = ("id",)
    readonly_fields = ("version", "created_at", "updated_at")
    actions = ("invalidate_cache",)

    def get_readonly_fields(self, request: HttpRequest, obj: Tenant | None = None) -> tuple[str, ...]:
        return (*self.readonly_fields, "id") if obj is not None else self.readonly_fields

    @admin.display(boolean=True, description="cached")
    def cached(self, obj: Tenant) -> bool | None:
        return cache.contains(obj.pk)

    def save_model(self, request: HttpRequest, obj: Tenant, form: Any, change: bool) -> None:
        if obj.config_source == Tenant.Source.YAML:
            obj.save()
            return
        saved = Tenant.objects.save_config(obj.pk, obj.config, name=obj.name, status=obj.status)
        obj.version, obj.created_at, obj.updated_at = saved.version, saved.created_at, saved.updated_at

    @admin.action(description="Invalidate the cache of the selected tenants", permissions=("change",))
    def invalidate_cache(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        cache.invalidate(ids)
        self.message_user(request, f"Invalidated {len(ids)} tenant(s).", messages.SUCCESS)
