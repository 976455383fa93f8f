"""Writing tenants as YAML files that ``import_tenants`` reads back unchanged."""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..documents import secret_values as secrets
from ..models import Tenant
from . import tenant_files
from .loader import CORE_RESOLVERS

META = "_meta"
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class PortableDumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Quotes every string that a YAML 1.1 or a YAML 1.2 core reader would read as something else
    ("NO", "on", "y", "10:30", "012345", "0o17", "1e3", "2024-01-01"), so exports mean the same everywhere."""


# Added to (a copy of) PyYAML's YAML 1.1 table: the union, with the y/n booleans of the 1.1 spec PyYAML leaves out.
for _tag, _pattern, _first in (*CORE_RESOLVERS, ("bool", r"^(?:y|Y|n|N)$", list("yYnN"))):
    PortableDumper.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), _first)


@dataclass(frozen=True)
class Export:
    tenant_id: str
    text: str
    stripped: list[str]  # dotted paths of literal secrets left out


def export(tenant: Tenant) -> Export:
    doc, stripped = document_and_stripped(tenant)
    return Export(tenant.pk, to_yaml(doc), stripped)


def document(tenant: Tenant) -> dict[str, Any]:
    return document_and_stripped(tenant)[0]


def document_and_stripped(tenant: Tenant) -> tuple[dict[str, Any], list[str]]:
    """What the tenant's file should hold: ``_meta`` (name, status, config source), then the stored
    config, or for a YAML-sourced row the uninterpolated document of its file; literal secrets are
    left out either way, and their paths returned."""
    config: Any = tenant.config
    if tenant.config_source == Tenant.Source.YAML:
        path = tenant_files.tenant_file(tenant.pk)
        if path is not None:
            config = tenant_files.load_file(path)
    config = {k: v for k, v in config.items() if k != META} if isinstance(config, dict) else {}
    config, stripped = secrets.strip(config)
    meta = {"name": tenant.name, "status": tenant.status, "config_source": tenant.config_source}
    return {META: meta, **config}, stripped


def stripped_note(exports: Iterable[Export]) -> str | None:
    """One line naming each tenant's left-out secret paths, or None."""
    parts = [f"tenant {e.tenant_id}: {', '.join(e.stripped)}" for e in exports if e.stripped]
    return f"Literal secrets were left out of the export: {'; '.join(parts)}." if parts else None


def to_yaml(doc: dict[str, Any]) -> str:
    return yaml.dump(
        doc, Dumper=PortableDumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000
    )


def write(directory: Path, tenant_id: str, text: str) -> Path:
    """Write ``<directory>/<tenant_id>.yaml`` atomically (a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{tenant_id}{tenant_files.SUFFIX}"
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{tenant_id}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def to_zip(exports: Iterable[Export]) -> bytes:
    """A zip of ``<id>.yaml`` files, one per export."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in exports:
            archive.writestr(f"{item.tenant_id}{tenant_files.SUFFIX}", item.text)
    return buffer.getvalue()
