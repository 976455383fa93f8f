"""The Tenant admin's inline of the tenant's domains (exact hosts and ``*.`` wildcards)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from ..domains import Domain

if TYPE_CHECKING:
    _Inline = admin.TabularInline[Domain, Domain]
else:
    _Inline = admin.TabularInline


class DomainInline(_Inline):
    model = Domain
    extra = 0
    fields = ("domain",)
    verbose_name = "domain"
    verbose_name_plural = "Domains (hosts served by TenantMiddleware's host resolver)"


def posted_with(request: HttpRequest, inline: admin.options.InlineModelAdmin[Any, Any]) -> bool:
    """A POST that carries no domain forms (a script's, a test's) edits the tenant and leaves its domains."""
    prefix = inline.model._meta.get_field("tenant").remote_field.get_accessor_name()
    return request.method != "POST" or f"{prefix}-TOTAL_FORMS" in request.POST
