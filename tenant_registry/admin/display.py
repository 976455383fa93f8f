"""What the admin shows of a tenant: the masked effective config with secrets as badges, labels, file state."""

from __future__ import annotations

import json
import secrets as random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .. import cache
from ..config_files import tenant_files
from ..exceptions import TenantRegistryError
from ..models import Tenant
from . import preview as effective

SHOWN = {"missing": "not set", "set": "set, hidden"}
_ABSENT = object()


def badge(text: str, kind: str) -> SafeString:
    return format_html('<span class="tr-badge tr-badge-{}">{}</span>', kind, text)


def secret_badge(shown: str) -> SafeString:
    """A masked value as a badge: never a JSON string an operator could take for the value itself."""
    if shown == "missing":
        return badge(SHOWN["missing"], "missing")
    return badge(SHOWN.get(shown, f"set, masked {shown}"), "secret")


def origin_badge(origin: str) -> SafeString:
    return badge(origin, "missing" if origin == "missing" else "neutral")


def cache_label(tenant_id: str) -> SafeString:
    state = cache.contains(tenant_id)
    text = {True: "cached", False: "not cached", None: "cache unavailable"}[state]
    return badge(text, "neutral")


def effective_html(tenant_id: str) -> SafeString:
    """The config get_config returns now, secrets as badges, then where each secret came from."""
    try:
        found = effective.effective(Tenant, tenant_id)
        resolved = Tenant.objects.get_config(tenant_id)
    except (TenantRegistryError, RecursionError, orjson.JSONEncodeError) as exc:
        return format_html('<p class="errornote" role="alert">{}</p>', str(exc) or "nesting is too deep")
    if found.config is None or resolved is None:
        return format_html("<p>{}</p>", "No config: the tenant is unknown.")
    table = format_html_join(
        "",
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
        ((s.path, secret_badge(s.shown), origin_badge(s.origin), s.variable) for s in found.secrets),
    )
    secrets_table = (
        format_html(
            '<div class="tr-scroll" tabindex="0" role="region" aria-label="Secrets">'
            '<table class="tr-secrets"><caption>Secrets</caption><thead><tr>'
            '<th scope="col">secret</th><th scope="col">value</th><th scope="col">from</th>'
            '<th scope="col">variable</th></tr></thead><tbody>{}</tbody></table></div>',
            table,
        )
        if found.secrets
        else ""
    )
    return format_html(
        '<pre class="tr-json tr-effective" tabindex="0" aria-label="Effective config">{}</pre>{}',
        config_html(found.config, resolved),
        secrets_table,
    )


def config_html(masked: dict[str, Any], plain: dict[str, Any]) -> SafeString:
    """Pretty JSON of ``masked`` (effective's masked config), escaped, with every value that masking
    changed (compared with ``plain``, what get_config returns) shown as a badge instead."""
    token = random.token_hex(8)
    marks: list[str] = []
    marked = _mark(masked, plain, token, marks)
    text = str(escape(json.dumps(marked, indent=2, ensure_ascii=False)))
    for index, shown in enumerate(marks):
        text = text.replace(escape(json.dumps(f"{token}-{index}")), secret_badge(shown), 1)
    return mark_safe(text)  # noqa: S308 - escaped above; the badges are built by format_html


def _mark(masked: Any, plain: Any, token: str, marks: list[str]) -> Any:
    if isinstance(masked, dict) and isinstance(plain, dict):
        return {k: _mark(v, plain.get(k, _ABSENT), token, marks) for k, v in masked.items()}
    if isinstance(masked, list) and isinstance(plain, list) and len(masked) == len(plain):
        return [_mark(m, p, token, marks) for m, p in zip(masked, plain, strict=True)]
    if type(masked) is type(plain) and masked == plain:
        return masked
    marks.append(str(masked))
    return f"{token}-{len(marks) - 1}"


@dataclass(frozen=True)
class FileState:
    path: Path | None
    modified: datetime | None
    error: str  # empty when the file parses
    name: str = ""


def file_state(tenant_id: str) -> FileState:
    """The tenant's YAML file: where it is, when it changed, and whether it parses (with the line if not)."""
    expected = tenant_files.expected_file(tenant_id)
    modified: datetime | None = None
    try:
        path = tenant_files.tenant_file(tenant_id)
        if path is None:
            return FileState(expected, None, f"{expected} does not exist")
        modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        doc = tenant_files.load_file(path)
    except (TenantRegistryError, OSError, RecursionError) as exc:
        return FileState(expected, modified, str(exc) or "nesting is too deep")
    client = doc.get("client")
    name = client.get("name") if isinstance(client, dict) else None
    return FileState(path, modified, "", name if isinstance(name, str) else "")


def file_badge(state: FileState) -> SafeString:
    if state.error:
        return format_html('<span class="tr-badge tr-badge-missing" title="{}">file error</span>', state.error)
    return badge("file parses", "neutral")
