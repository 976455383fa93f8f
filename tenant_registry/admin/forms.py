"""The admin's Tenant form: config edited as pretty JSON, with errors that say where."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import transaction

from .. import conf
from ..config_files import tenant_files
from ..documents import depth, json_text
from ..documents.secret_values import dotted, literal_secrets
from ..exceptions import InvalidConfig
from ..ids import env_prefix, env_prefix_sql
from ..managers import clean_config
from ..models import Tenant

LITERAL_HINT = (
    'Literal secret values are not stored: %(paths)s. Write a reference such as "${OPENAI_API_KEY}" '
    "instead, and set the variable in the environment."
)
CONFLICT = (
    "%(id)s was changed by someone else while you edited it (you started from version %(mine)s; "
    "it is now at %(now)s). Your text is kept below: copy it, reload the page to see their change, "
    "then apply yours again."
)
NO_FILE = "Config source is YAML but %(problem)s: add or fix the file first, or choose Database."
NO_VERSION = (
    "This form did not say which version of %(id)s you started from, so it was not saved: "
    "reload the page and apply your change again."
)


def pretty(value: Any) -> str:
    """Two-space indent, key order kept, non-ASCII as is."""
    return json.dumps(value, indent=2, ensure_ascii=False)


class JSONEditor(forms.Textarea):
    """A textarea that the bundled CodeMirror 6 editor takes over (frontend/ builds it; no CDN)."""

    class Media:
        js = ("tenant_registry/editor.js",)


class PrettyJSONField(forms.JSONField):
    """Parse errors give the line and column; the operator's text is returned unchanged on any error."""

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"rows": 24, "cols": 100, "class": "vLargeTextField tr-json", "spellcheck": "false"}
        kwargs.setdefault("widget", JSONEditor(attrs=attrs))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        text = value if isinstance(value, forms.fields.InvalidJSONInput) else pretty(value)
        self.widget.attrs["rows"] = min(max(text.count("\n") + 3, 12), 40)
        return text

    def to_python(self, value: Any) -> Any:
        if self.disabled or value in self.empty_values:
            return super().to_python(value)
        try:
            depth.check_text(value)
            return json_text.loads(value)
        except InvalidConfig as exc:
            raise forms.ValidationError("Invalid JSON: %(msg)s.", code="depth", params={"msg": str(exc)}) from None
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                "Invalid JSON at line %(line)s, column %(col)s: %(msg)s.",
                code="invalid",
                params={"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
            ) from None
        except RecursionError:
            raise forms.ValidationError("Invalid JSON: nesting is too deep.", code="depth") from None
        except ValueError as exc:  # an integer Python refuses to read (over 4300 digits)
            raise forms.ValidationError("Invalid JSON: %(msg)s.", code="number", params={"msg": str(exc)}) from None

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
    expected_version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Tenant
        fields = ("id", "name", "status", "config_source", "config")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "expected_version" in self.fields and not self.instance._state.adding:
            self.fields["expected_version"].initial = self.instance.version
        if self.instance._state.adding and self.initial.get("config") is None:
            self.initial["config"] = {}

    def clean_id(self) -> str:
        tenant_id: str = self.cleaned_data["id"]
        if tenant_id in conf.get_settings().YAML_ONLY_TENANTS:
            raise forms.ValidationError(
                "%(id)s is a YAML-only tenant: edit its YAML file instead.", params={"id": tenant_id}
            )
        other = self._same_prefix(tenant_id)
        if other is not None:
            raise forms.ValidationError(
                "%(id)s maps to the environment prefix %(prefix)s, which tenant %(other)s already uses.",
                code="prefix",
                params={"id": tenant_id, "prefix": env_prefix(tenant_id), "other": other},
            )
        return tenant_id

    def _same_prefix(self, tenant_id: str) -> str | None:
        key = env_prefix_sql()
        rows = Tenant.objects.annotate(_prefix=key).filter(_prefix=env_prefix(tenant_id)[:-1])
        found: str | None = rows.exclude(pk=tenant_id).values_list("pk", flat=True).first()
        return found

    def clean_config(self) -> dict[str, Any]:
        config = self.cleaned_data.get("config")
        tenant_id = self.cleaned_data.get("id") or self.instance.pk or "(new tenant)"
        try:
            stored = clean_config(tenant_id, {} if config is None else config)
        except InvalidConfig as exc:
            message = str(exc).removeprefix(f"tenant {tenant_id}: ")
            if message.startswith("config "):  # prose, not a key path, which keeps its case
                message = "C" + message[1:]
            raise forms.ValidationError("%(msg)s", code="invalid", params={"msg": message}) from None
        found = [dotted(p) for p in literal_secrets(stored)]
        if found:
            raise forms.ValidationError(LITERAL_HINT, code="secret", params={"paths": ", ".join(found)})
        return stored

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        self._check_file()
        if not self.instance._state.adding and "expected_version" in self.fields:
            self._check_version(self.started_from())
        return cleaned

    def _check_file(self) -> None:
        """A row that serves its CONFIG_DIR file needs a file that loads: get_config would fail on every read."""
        tenant_id = self.cleaned_data.get("id") or self.instance.pk
        if self.cleaned_data.get("config_source") != Tenant.Source.YAML or not tenant_id:
            return
        problem = tenant_files.file_problem(tenant_id)
        if problem is not None:
            self.add_error("config_source", forms.ValidationError(NO_FILE, code="no_file", params={"problem": problem}))

    def started_from(self) -> int:
        """The version the operator's form was made from: required, digits only."""
        given = str(self.cleaned_data.get("expected_version") or "").strip()
        if not (given.isascii() and given.isdigit()):
            raise forms.ValidationError(NO_VERSION, code="no_version", params={"id": self.instance.pk})
        return int(given)

    def _check_version(self, mine: int) -> None:
        """Inside the admin's transaction the row stays locked until the save that follows; save_config checks again."""
        rows = Tenant.objects.filter(pk=self.instance.pk)
        if transaction.get_connection(rows.db).in_atomic_block:
            rows = rows.select_for_update()
        now = rows.values_list("version", flat=True).first()
        if now != mine:
            where = "deleted" if now is None else f"version {now}"
            raise forms.ValidationError(
                CONFLICT, code="conflict", params={"id": self.instance.pk, "mine": mine, "now": where}
            )
