"""The effective config of a tenant as get_config resolves it, secrets masked, and where each came from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.db import router
from django.db.models import Model

from .. import conf
from ..documents import env_access
from ..documents.environ import environ
from ..documents.interpolation import reference_name
from ..documents.masking import env_value_paths, mask_secrets, mask_value
from ..documents.secret_values import KeyPath, dotted, env_lookup, secret_scalars
from ..ids import env_prefix
from ..kinds import Source
from ..reading import lookup as read
from ..reading import stored_entry as entry
from ..secret_store.writes import stored_paths

LABELS = {"tenant": "tenant variable", "global": "global variable", "missing": "missing"}


@dataclass(frozen=True)
class SecretSource:
    path: str
    shown: str  # the masked value
    origin: str  # "referenced variable", "tenant variable", "global variable", "missing" or "config"
    variable: str = ""  # the variable, with its file when read from one; for "missing": every one looked for


@dataclass
class Effective:
    tenant_id: str
    config: dict[str, Any] | None  # masked; None for an unknown tenant
    secrets: list[SecretSource] = field(default_factory=list)


def effective(model: type[Model], tenant_id: str) -> Effective:
    """What ``get_config`` returns for ``tenant_id``, masked, with the origin of every secret."""
    resolved = model._default_manager.get_config(tenant_id)  # type: ignore[attr-defined]
    if resolved is None:
        return Effective(tenant_id, None)
    stored = stored_config(model, tenant_id)
    kept = stored_paths(tenant_id)
    from_env = _from_env(tenant_id, resolved, stored, kept)
    found = [_stored(source, kept) for source in sources(tenant_id, stored, resolved, from_env)]
    return Effective(tenant_id, mask_secrets(resolved, from_env), found)


def _stored(source: SecretSource, kept: list[str]) -> SecretSource:
    """A stored secret fills its path after a reference, before SECRET_ENV (entry.resolve)."""
    if source.path in kept and source.origin != "referenced variable":
        return replace(source, origin="stored secret", variable="")
    return source


def masked(tenant_id: str, resolved: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """``resolved`` as operators see it: secrets and every value taken from the environment masked."""
    return mask_secrets(resolved, _from_env(tenant_id, resolved, stored, stored_paths(tenant_id)))


def _from_env(tenant_id: str, resolved: dict[str, Any], stored: dict[str, Any], kept: list[str]) -> dict[KeyPath, bool]:
    """:func:`env_value_paths`, and the paths of stored secrets: shown only as "set"."""
    found = env_value_paths(tenant_id, stored, resolved.get("_meta", {}).get("source", Source.DATABASE))
    found.update({tuple(path.split(".")): True for path in kept})
    return found


def stored_config(model: type[Model], tenant_id: str) -> dict[str, Any]:
    """The config as stored (database row, else YAML file): secrets stripped, ``${...}`` not interpolated."""
    raw, _ = read.load(model, tenant_id, router.db_for_write(model))
    found = entry.decode(tenant_id, raw)
    return found.config if found is not None else {}


def sources(
    tenant_id: str, stored: dict[str, Any], resolved: dict[str, Any], from_env: dict[KeyPath, bool] | None = None
) -> list[SecretSource]:
    """Each secret's masked value and origin; ``from_env`` (see :func:`env_value_paths`) says which
    took a short value from the environment."""
    short = {path for path, hidden in (from_env or {}).items() if hidden}
    env_paths: dict[KeyPath, str] = {tuple(p.split(".")): var for p, var in conf.get_settings().SECRET_ENV.items()}
    paths = dict.fromkeys(path for path, _ in secret_scalars(resolved))
    paths.update(dict.fromkeys(p for p in env_paths if isinstance(_at(resolved, p[:-1]), dict)))
    database = resolved.get("_meta", {}).get("source", Source.DATABASE) == Source.DATABASE
    return [
        _source(
            tenant_id,
            path,
            _at(stored, path),
            mask_value(_at(resolved, path), path in short),
            env_paths.get(path),
            database,
        )
        for path in paths
    ]


def _source(
    tenant_id: str, path: KeyPath, stored: Any, shown: str, env_variable: str | None, database: bool
) -> SecretSource:
    """Mirrors entry.resolve: a ``${VAR}`` reference first, then SECRET_ENV's tenant and global variables."""
    reference = reference_name(stored)
    readable = reference is not None and (not database or env_access.allowed(tenant_id, reference))
    if reference is not None and readable and environ.get(reference):
        return SecretSource(dotted(path), shown, "referenced variable", _named(reference))
    tried = [] if reference is None else [reference]
    if env_variable is not None and (reference is not None or stored in (None, "")):
        _, where = env_lookup(tenant_id, env_variable)
        if where != "missing":
            variable = env_prefix(tenant_id) + env_variable if where == "tenant" else env_variable
            return SecretSource(dotted(path), shown, LABELS[where], _named(variable))
        tried += [env_prefix(tenant_id) + env_variable, env_variable]
    if tried:
        return SecretSource(dotted(path), shown, "missing", " or ".join(dict.fromkeys(tried)))
    return SecretSource(dotted(path), shown, "config")


def _named(variable: str) -> str:
    """The variable, and the file its value was read from if any (a path, never its content)."""
    file = environ.origin(variable)
    return variable if file is None else f"{variable} (file {file})"


def _at(doc: Any, path: KeyPath) -> Any:
    for step in path:
        if isinstance(doc, dict) and isinstance(step, str):
            doc = doc.get(step)
        elif isinstance(doc, list) and isinstance(step, int) and step < len(doc):
            doc = doc[step]
        else:
            return None
    return doc
