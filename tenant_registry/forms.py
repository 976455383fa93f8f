"""The admin's Tenant form: config edited as pretty JSON, with errors that say where."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms

from . import conf
from .models import Tenant
from .secrets import dotted, literal_secrets


class PrettyJSONField(forms.JSONField):
    """Two-space indent, key order kept; parse errors give the line and column."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.Textarea(attrs={"rows": 24, "cols": 100, "class": "vLargeTextField", "spellcheck": "false"})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)

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


if TYPE_CHECKING:
    _ModelForm = forms.ModelForm[Tenant]
else:
    _ModelForm = forms.ModelForm


class TenantForm(_ModelForm):
    config = PrettyJSONField(required=False)

    class Meta:
        model = Tenant
        fields = ("id", "name", "status", "config_source", "config")

    def clean_id(self) -> str:
        tenant_id: str = self.cleaned_data["id"]
        if tenant_id in conf.get("YAML_ONLY_TENANTS"):
            raise forms.ValidationError(
                "%(id)s is a YAML-only tenant: edit its YAML file instead.", params={"id": tenant_id}
            )
        return tenant_id

    def clean_config(self) -> dict[str, Any]:
        config = self.cleaned_data.get("config")
        if config is None:
            return {}
        if not isinstance(config, dict):
            raise forms.ValidationError(
                "The config must be a JSON object ({...}), not %(kind)s.", params={"kind": type(config).__name__}
            )
        found = [dotted(p) for p in literal_secrets(config)]
        if found:
            raise forms.ValidationError(
                'Literal secret values are not stored: %(paths)s. Write a reference such as "${OPENAI_API_KEY}" '
                "and set the variable in the environment.",
                params={"paths": ", ".join(found)},
            )
        return config
