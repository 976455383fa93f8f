"""Writing tenants as YAML files that ``import_tenants`` reads back unchanged."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from . import secrets, yaml_source
from .models import Tenant

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def document(tenant: Tenant) -> dict[str, Any]:
    """What the tenant's file should hold: the stored config (secrets are only ever ``${VAR}``
    references there), or for a YAML-sourced row the uninterpolated document of its file."""
    if tenant.config_source == Tenant.Source.YAML:
        path = yaml_source.tenant_file(tenant.pk)
        if path is not None:
            return yaml_source.load_file(path)
    config = tenant.config if isinstance(tenant.config, dict) else {}
    return secrets.strip(config)[0]  # stored configs hold no literal secrets; never write one


def to_yaml(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)


def write(directory: Path, tenant_id: str, text: str) -> Path:
    """Write ``<directory>/<tenant_id>.yaml`` atomically (a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{tenant_id}{yaml_source.SUFFIX}"
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{tenant_id}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def to_zip(tenants: Iterable[Tenant]) -> bytes:
    """A zip of ``<id>.yaml`` files, one per tenant."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for tenant in tenants:
            archive.writestr(f"{tenant.pk}{yaml_source.SUFFIX}", to_yaml(document(tenant)))
    return buffer.getvalue()
