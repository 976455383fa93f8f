"""Tenant YAML files: where they are, reading them safely, and a parse cache keyed by file identity."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import conf
from ..exceptions import ConfigFileError, TenantRegistryError
from ..ids import ID_RE, validate_id
from .file_memo import FileMemo
from .loader import parse

SUFFIX = ".yaml"


def _memo_size() -> int:
    return conf.get_settings().L1_MAX_ENTRIES


_parsed: FileMemo[dict[str, Any]] = FileMemo(_memo_size)
_built: FileMemo[bytes] = FileMemo(_memo_size)


def config_dir() -> Path:
    return conf.get_settings().CONFIG_DIR


def expected_file(tenant_id: str) -> Path:
    """Where the tenant's file is, or would be: ``CONFIG_DIR/<id>.yaml``."""
    return config_dir() / f"{tenant_id}{SUFFIX}"


def tenant_file(tenant_id: str) -> Path | None:
    """The tenant's file inside CONFIG_DIR, resolved (so a link swapped after this check is not
    followed), or None; links that leave CONFIG_DIR are refused."""
    validate_id(tenant_id)
    root, path = config_dir(), expected_file(tenant_id)
    if not path.is_file():
        return None
    if not _inside(root, path):
        raise ConfigFileError(f"{path}: refusing a link that leaves CONFIG_DIR ({root})")
    return path.resolve()


def _inside(root: Path, path: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def yaml_tenant_ids() -> list[str]:
    root = config_dir()
    if not root.is_dir():
        return []
    return sorted(
        p.stem for p in root.glob(f"*{SUFFIX}") if ID_RE.fullmatch(p.stem) and p.is_file() and _inside(root, p)
    )


def read_text(path: Path) -> str:
    limit: int = conf.get_settings().MAX_YAML_BYTES
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ConfigFileError(f"{path}: cannot read: {exc.strerror}") from None
    if len(data) > limit:
        raise ConfigFileError(f"{path}: larger than MAX_YAML_BYTES ({limit} bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigFileError(f"{path}:{line}: not valid UTF-8 (byte {exc.start})") from None


def load_file(path: Path) -> dict[str, Any]:
    """The parsed, uninterpolated document of a tenant file, a private copy; an unchanged file is
    parsed once per process (while it stays among the last L1_MAX_ENTRIES files used)."""
    return copy.deepcopy(_parsed.get(path, _parse))


def _parse(path: Path) -> dict[str, Any]:
    settings = conf.get_settings()
    return parse(read_text(path), str(path), max_depth=settings.MAX_YAML_DEPTH, max_bytes=settings.MAX_YAML_BYTES)


def file_problem(tenant_id: str) -> str | None:
    """Why a row whose config_source is yaml cannot be read from its file (``<path> does not exist``,
    or the file's error with its path and line), or None when the file loads."""
    try:
        path = tenant_file(tenant_id)
        if path is None:
            return f"{expected_file(tenant_id)} does not exist"
        load_file(path)
    except TenantRegistryError as exc:
        return str(exc)
    return None


def load_built(path: Path, build: Callable[[dict[str, Any]], bytes]) -> bytes:
    """``build(load_file(path))``, memoised on the file's (inode, mtime, size)."""
    return _built.get(path, lambda p: build(load_file(p)))


def clear_parse_cache() -> None:
    """Forget every file read (settings changed: the limits they were parsed under may have)."""
    _parsed.clear()
    _built.clear()
