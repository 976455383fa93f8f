"""History of a tenant, numbered by its versions, and restores reviewed on a confirmation page."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .. import revisions
from ..documents import diffs
from ..exceptions import TenantRegistryError
from ..models import Tenant

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

NO_VERSION = (
    "Not restored: the form did not say which version of {id} you reviewed. "
    "Open the restore page again and confirm from there."
)


def _tenant(model_admin: ModelAdmin[Tenant], request: HttpRequest, object_id: str) -> Tenant:
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404(f"No tenant {object_id!r}")
    return obj


def _url(model_admin: ModelAdmin[Tenant], name: str, *args: Any) -> str:
    opts, site = model_admin.opts, model_admin.admin_site.name
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args, current_app=site)


def _context(model_admin: ModelAdmin[Tenant], request: HttpRequest, obj: Tenant, **more: Any) -> dict[str, Any]:
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, "object": obj, **more}


def history_view(model_admin: ModelAdmin[Tenant], request: HttpRequest, object_id: str) -> HttpResponse:
    # Permission before the lookup: existing and unknown ids get the same answer.
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    obj = _tenant(model_admin, request, object_id)
    records = list(obj.history.select_related("history_user").order_by("history_date", "history_id"))
    entries = [(rec, diffs.changes(prev, rec)) for prev, rec in pairwise([None, *records])][::-1]
    context = _context(
        model_admin,
        request,
        obj,
        title=f"History of {obj}",
        entries=entries,
        can_restore=model_admin.has_change_permission(request, obj),
    )
    return TemplateResponse(request, "admin/tenant_registry/tenant/revisions.html", context)


def restore_view(
    model_admin: ModelAdmin[Tenant], request: HttpRequest, object_id: str, history_id: int
) -> HttpResponse:
    """GET: what the restore would change, for review. POST (from that page): the restore itself."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    obj = _tenant(model_admin, request, object_id)
    record = obj.history.filter(history_id=history_id).exclude(history_type="-").first()
    if record is None:
        raise Http404(f"No revision {history_id} of tenant {obj.pk}")
    if request.method == "POST":
        return _restore(model_admin, request, obj, record)
    context = _context(
        model_admin,
        request,
        obj,
        title=f"Restore version {record.version} of {obj.pk}?",
        record=record,
        changes=diffs.changes(obj, record),
        history_url=_url(model_admin, "history", obj.pk),
    )
    return TemplateResponse(request, "admin/tenant_registry/tenant/restore_confirm.html", context)


def _restore(model_admin: ModelAdmin[Tenant], request: HttpRequest, obj: Tenant, record: Any) -> HttpResponse:
    history = _url(model_admin, "history", obj.pk)
    given = request.POST.get("expected_version", "").strip()
    if not (given.isascii() and given.isdigit()):
        model_admin.message_user(request, NO_VERSION.format(id=obj.pk), messages.ERROR)
        return HttpResponseRedirect(history)
    try:
        with revisions.acting(request.user, f"admin: restore of version {record.version}"):
            saved = Tenant.objects.save_config(
                obj.pk, record.config, name=record.name, status=record.status, expected_version=int(given)
            )
    except TenantRegistryError as exc:
        model_admin.message_user(request, f"Not restored: {exc}", messages.ERROR)
        return HttpResponseRedirect(history)
    text = f"Restored version {record.version} of {obj.pk} as version {saved.version}."
    model_admin.log_change(request, saved, text)
    model_admin.message_user(request, text, messages.SUCCESS)
    return HttpResponseRedirect(history)
