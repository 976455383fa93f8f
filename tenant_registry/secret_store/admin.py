"""The admin's stored-secrets page of a tenant: write-only "set", "replace" and "remove", never "show".

Every request needs ``change_tenant`` (asked before the tenant is looked up: existing and unknown ids get
the same answer). A value is taken from the POST and written; the answer is a redirect, so no page, message
or *Recent actions* entry ever holds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from ..exceptions import TenantRegistryError
from ..models import Tenant
from .keys import STORE, enabled, named
from .model import StoredSecret
from .writes import remove_secret, replace_secret, set_secret

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

DONE = {"set": "Set", "replace": "Replaced", "remove": "Removed"}


class SecretForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in DONE])
    path = forms.CharField(max_length=255, help_text="A dotted key path ending in a secret key.")
    value = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Written encrypted; never shown again. Not needed to remove.",
    )


def stored_secrets_view(model_admin: ModelAdmin[Tenant], request: HttpRequest, object_id: str) -> HttpResponse:
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None or obj.config_source != Tenant.Source.DATABASE:
        raise Http404(f"No database tenant {object_id!r}")
    here = _url(model_admin, "secrets", obj.pk)
    if not enabled():
        model_admin.message_user(request, f"The encrypted store is off ({named(STORE)}).", messages.WARNING)
    elif request.method == "POST":
        _write(model_admin, request, obj, SecretForm(request.POST))
        return HttpResponseRedirect(here)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "object": obj,
        "title": f"Stored secrets of {obj.pk}",
        "rows": StoredSecret.objects.filter(tenant=obj).order_by("path") if enabled() else [],
        "form": SecretForm() if enabled() else None,
        "change_url": _url(model_admin, "change", obj.pk),
    }
    return TemplateResponse(request, "admin/tenant_registry/tenant/stored_secrets.html", context)


def _write(model_admin: ModelAdmin[Tenant], request: HttpRequest, obj: Tenant, form: SecretForm) -> None:
    if not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in form.errors.items())
        model_admin.message_user(request, f"Not done: {problems}", messages.ERROR)
        return
    action, path, value = form.cleaned_data["action"], form.cleaned_data["path"], form.cleaned_data["value"]
    try:
        if action == "remove":
            remove_secret(obj.pk, path)
        else:
            (set_secret if action == "set" else replace_secret)(obj.pk, path, value)
    except TenantRegistryError as exc:
        model_admin.message_user(request, f"Not done: {exc}", messages.ERROR)
        return
    text = f"{DONE[action]} the stored secret at {path.strip()}."
    model_admin.log_change(request, obj, text)
    model_admin.message_user(request, text, messages.SUCCESS)


def _url(model_admin: ModelAdmin[Tenant], name: str, *args: Any) -> str:
    opts, site = model_admin.opts, model_admin.admin_site.name
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[quote(a) for a in args], current_app=site)


def secrets_link(model_admin: ModelAdmin[Tenant], request: HttpRequest, object_id: str | None) -> str | None:
    """The stored-secrets page of a tenant's change form, for those who may use it while the store is on."""
    if object_id is None or not enabled() or not model_admin.has_change_permission(request):
        return None
    return _url(model_admin, "secrets", unquote(object_id))
