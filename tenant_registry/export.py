"""Tenant configs as YAML that ``import_tenants`` reads back: secrets stay ``${...}`` references."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import Any

import yaml


def to_yaml(tenant_id: str, config: dict[str, Any]) -> str:
    body = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return f"# tenant {tenant_id}: secrets are ${{...}} references, never values\n{body}"


def to_zip(configs: Iterable[tuple[str, dict[str, Any]]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for tenant_id, config in configs:
            archive.writestr(f"{tenant_id}.yaml", to_yaml(tenant_id, config))
    return buffer.getvalue()
