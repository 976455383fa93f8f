"""The admin's Tenant form: config edited as pretty JSON, with errors that say where."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import transaction

from . import conf
from .exceptions import InvalidConfig
from .managers import clean_config
from .models import Tenant
from .secrets import dotted, literal_secrets

LITERAL_HINT = (
    'Literal secret values are not stored: %(paths)s. Write a reference such as "${OPENAI_API_KEY}" '
    "instead, and set the variable in the environment."
)
CONFLICT = (
    "%(id)s was changed by someone else while you edited it (you started from version %(mine)s; "
    "it is now at %(now)s). Your text is kept below: copy it, reload the page to see their change, "
    "then apply yours again."
)


def pretty(value: Any) -> str:
    """Two-space indent, key order kept, non-ASCII as is."""
    return json.dumps(value, indent=2, ensure_ascii=False)


class PrettyJSONField(forms.JSONField):
    """Parse errors give the line and column; the operator's text is returned unchanged on any error."""

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"rows": 24, "cols": 100, "class": "vLargeTextField tr-json", "spellcheck": "false"}
        kwargs.setdefault("widget", forms.Textarea(attrs=attrs))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        text = value if isinstance(value, forms.fields.InvalidJSONInput) else pretty(value)
        self.widget.attrs["rows"] = min(max(text.count("\n") + 3, 12), 40)
        return text

    def to_python(self, value: Any) -> Any:
        if self.disabled or value in self.empty_values:
            return super().to_python(value)
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                "Invalid JSON at line %(line)s, column %(col)s: %(msg)s.",
                code="invalid",
                params={"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
            ) from None

    def bound_data(self, data: Any, initial: Any) -> Any:
        # Keep the text exactly as typed, also when it parses but fails a later check.
        if self.disabled or data is None:
            return super().bound_data(data, initial)
        return forms.fields.InvalidJSONInput(data)


if TYPE_CHECKING:
    _ModelForm = forms.ModelForm[Tenant]
else:
    _ModelForm = forms.ModelForm


class TenantForm(_ModelForm):
    config = PrettyJSONField(
        required=False,
        help_text="A JSON object. Secrets are never stored: write a ${ENV_VAR} reference and set the variable.",
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Tenant
        fields = ("id", "name", "status", "config_source", "config")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "expected_version" in self.fields and not self.instance._state.adding:
            self.fields["expected_version"].initial = self.instance.version

    def clean_id(self) -> str:
        tenant_id: str = self.cleaned_data["id"]
        if tenant_id in conf.get("YAML_ONLY_TENANTS"):
            raise forms.ValidationError(
                "%(id)s is a YAML-only tenant: edit its YAML file instead.", params={"id": tenant_id}
            )
        return tenant_id

    def clean_config(self) -> dict[str, Any]:
        config = self.cleaned_data.get("config")
        tenant_id = self.cleaned_data.get("id") or self.instance.pk or "(new tenant)"
        try:
            stored = clean_config(tenant_id, {} if config is None else config)
        except InvalidConfig as exc:
            raise forms.ValidationError("%(msg)s", code="invalid", params={"msg": str(exc)}) from None
        found = [dotted(p) for p in literal_secrets(stored)]
        if found:
            raise forms.ValidationError(LITERAL_HINT, code="secret", params={"paths": ", ".join(found)})
        return stored

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if not self.instance._state.adding and "expected_version" in self.fields:
            self._check_version(self.cleaned_data.get("expected_version"))
        return cleaned

    def _check_version(self, mine: int | None) -> None:
        """Inside the admin's transaction the row stays locked until the save that follows; save_config checks again."""
        rows = Tenant.objects.filter(pk=self.instance.pk)
        if transaction.get_connection(rows.db).in_atomic_block:
            rows = rows.select_for_update()
        now = rows.values_list("version", flat=True).first()
        if mine is not None and now != mine:
            where = "deleted" if now is None else f"version {now}"
            raise forms.ValidationError(
                CONFLICT, code="conflict", params={"id": self.instance.pk, "mine": mine, "now": where}
            )
