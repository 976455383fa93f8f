"""The public API on ``Tenant.objects``: reads through the cache, validated writes, cache control."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Collection, Iterator, Mapping
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from asgiref.sync import sync_to_async
from django.apps import apps
from django.db import IntegrityError, InterfaceError, OperationalError, models, router, transaction

from . import cache, conf, observer, revisions
from .cache.changes import sections_changed
from .config_files import tenant_files
from .documents import depth, schema
from .documents.env_access import PrefixOwners, check_expressions, covered_by, covering_prefixes, taken_over
from .documents.secret_values import dotted, walk
from .documents.write_rules import Checked, check
from .exceptions import InvalidConfig, RegistryUnavailable, TenantConflict, YamlOnlyTenant
from .ids import env_prefix, env_prefix_sql, validate_id
from .kinds import Source, Status
from .queryset import TenantQuerySet
from .reading import lookup as read

if TYPE_CHECKING:
    from .models import Tenant

logger = logging.getLogger("tenant_registry")
STATUSES = tuple(Status.values)  # kept for importers of managers.STATUSES
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")  # an escaped NUL, not an escaped backslash + "u0000"


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    def get_config(self, tenant_id: str) -> dict[str, Any] | None:
        """The resolved config of a tenant (a private copy with ``_meta``), or None if unknown."""
        return read.lookup(self.model, validate_id(tenant_id))

    async def aget_config(self, tenant_id: str) -> dict[str, Any] | None:
        """:meth:`get_config` for async code: an in-process hit answers at once; any other read runs
        in Django's sync thread."""
        hit = read.lookup_local(self.model, validate_id(tenant_id))
        if hit is not None:
            return hit[0]
        return await sync_to_async(self.get_config)(tenant_id)

    def save_config(
        self,
        tenant_id: str,
        config: dict[str, Any],
        *,
        name: str | None = None,
        status: str | None = None,
        expected_version: int | None = None,
    ) -> Tenant:
        """Validate, strip secrets, create or update the row; the cache is invalidated on commit.

        With ``expected_version``, the save is refused (TenantConflict) unless the row is still at that
        version: the guard against a lost update from a stale form.
        """
        tenant_id = validate_id(tenant_id)
        if tenant_id in conf.get_settings().YAML_ONLY_TENANTS:
            raise YamlOnlyTenant(
                f"tenant {tenant_id} is YAML-only: edit {tenant_files.config_dir()}/{tenant_id}.yaml instead"
            )
        checked = clean(tenant_id, config)[1]
        if status is not None and status not in STATUSES:
            raise InvalidConfig(f"tenant {tenant_id}: status must be one of {', '.join(STATUSES)}, got {status!r}")
        try:
            with observer.current.span("tenant_registry.save", tenant_id), transaction.atomic(using=self._write_db()):
                return self._upsert(tenant_id, checked, name, status, expected_version)
        except IntegrityError as exc:
            raise TenantConflict(self._conflict_message(tenant_id)) from exc
        except (OperationalError, InterfaceError) as exc:
            raise RegistryUnavailable(f"tenant {tenant_id}: not saved, the database is unavailable ({exc})") from exc

    def _write_db(self) -> str:
        """Where a write goes: the alias of ``db_manager(alias)``, else the router's write database
        (``self.db`` is the read database, perhaps a replica)."""
        return self._db or router.db_for_write(self.model, **self._hints)

    def _upsert(
        self, tenant_id: str, checked: Checked, name: str | None, status: str | None, expected: int | None
    ) -> Tenant:
        tenant: Tenant | None = self.select_for_update().filter(pk=tenant_id).first()
        if expected is not None and (tenant is None or tenant.version != expected):
            now = "it was deleted" if tenant is None else f"it is now at version {tenant.version}"
            raise TenantConflict(
                f"tenant {tenant_id}: changed by someone else since version {expected} ({now}); "
                "reload it, then apply your change again"
            )
        if tenant is None:
            tenant = self.model(id=tenant_id, name=name or "", status=status or Status.ACTIVE.value)
        else:
            tenant.name = tenant.name if name is None else name
            tenant.status = tenant.status if status is None else status
        before = None if tenant._state.adding else tenant.config
        # clean() checked the references; save() checks once more as every writer's safety net.
        tenant.config, removed = checked.stripped, [dotted(path) for path in checked.removed]
        tenant._sections_changed = sections_changed(before, tenant.config)  # type: ignore[union-attr]
        tenant.config_source = Source.DATABASE.value
        tenant._change_reason = revisions.reason("save_config")  # type: ignore[union-attr]
        if removed:
            logger.warning(
                "tenant %s: literal secrets not stored (use ${ENV_VAR} references): %s", tenant_id, ", ".join(removed)
            )
        tenant.save()
        return tenant

    def _conflict_message(self, tenant_id: str) -> str:
        prefix = env_prefix(tenant_id)
        other = (
            self.annotate(_prefix=env_prefix_sql())
            .filter(_prefix=prefix[:-1])
            .exclude(pk=tenant_id)
            .values_list("pk", flat=True)
            .first()
        )
        clash = f"existing tenant {other!r}" if other else "another tenant"
        return f"tenant {tenant_id}: its environment prefix {prefix} is already used by {clash}"

    def prefix_owners(self, prefixes: Collection[str]) -> dict[str, str]:
        """Which tenants (rows or YAML files) own these environment prefixes: prefix -> id."""
        wanted = set(prefixes)
        if not wanted:
            return {}
        rows = (
            self.annotate(_prefix=env_prefix_sql())
            .filter(_prefix__in=[p[:-1] for p in wanted])
            .values_list("_prefix", "pk")
        )
        owners = {prefix + "_": pk for prefix, pk in rows}
        files = _yaml_prefixes(str(tenant_files.config_dir()), _mtime(tenant_files.config_dir()))
        return {**{p: files[p] for p in wanted if p in files}, **owners}

    def check_new_prefixes(self, configs: Mapping[str, dict[str, Any] | None]) -> None:
        """Refuse to create tenants whose variables a database tenant already references by a prefix
        of its own: ``tn_a``'s ``${TN_A_B_KEY}``, written while no ``tn_a-b`` existed, would read
        ``tn_a-b``'s key; ``acme-openai``'s ``${ACME_OPENAI_API_KEY}`` would read the SECRET_ENV key
        of a new ``acme``. ``configs``: the tenants written together, each with the config it reads
        from the database (None: it reads its file)."""
        stored = self.filter(config_source=Source.DATABASE).exclude(pk__in=list(configs)).values_list("pk", flat=True)
        readers = {env_prefix(pk): pk for pk in stored}
        readers.update({env_prefix(t): t for t, config in configs.items() if config is not None})
        new = {env_prefix(t): t for t in configs}
        # (new tenant, reader, whether the reader's prefix covers the new one's)
        pairs = {(t, readers[p], True) for t in configs for p in covering_prefixes(t) if readers.get(p, t) != t}
        pairs |= {(new[p], r, False) for rp, r in readers.items() for p in covered_by(rp) if new.get(p, r) != r}
        wanted = [reader for _, reader, _ in pairs if reader not in configs]
        documents = {**dict(self.filter(pk__in=wanted).values_list("pk", "config")), **configs}
        for tenant_id, reader, covering in sorted(pairs):
            config = documents.get(reader)
            found = taken_over(tenant_id, config, covering=covering) if isinstance(config, dict) else []
            if found:
                raise InvalidConfig(
                    f"tenant {tenant_id}: its environment prefix {env_prefix(tenant_id)} would give tenant "
                    f"{reader} this tenant's variables, which {reader} references at {', '.join(found)}; "
                    f"remove those references from {reader} first"
                )

    def list_tenants(self, include_yaml: bool = True) -> list[str]:
        """Sorted, unique: active database tenants, plus every YAML file's tenant if ``include_yaml``."""
        try:
            ids = set(self.filter(status=Status.ACTIVE).values_list("pk", flat=True))
        except (OperationalError, InterfaceError) as exc:
            raise RegistryUnavailable(f"cannot list tenants: the database is unavailable ({exc})") from exc
        if include_yaml:
            ids.update(tenant_files.yaml_tenant_ids())
        return sorted(ids)

    def invalidate(self, tenant_id: str) -> None:
        cache.invalidate([validate_id(tenant_id)])

    def invalidate_all(self) -> int:
        """Remove every entry of this app (and only of this app), host lookups too; returns how many were removed."""
        from . import hosts  # the Domain rows' keys, for stores that cannot scan

        return cache.invalidate_all(chain(self._known_ids(), hosts.known_keys()))

    def cache_info(self) -> dict[str, Any]:
        return cache.info(self._known_ids())

    def _known_ids(self) -> Iterator[str]:
        """Every id that may have an entry; read lazily, only by stores that cannot scan."""
        yield from self.values_list("pk", flat=True)
        yield from tenant_files.yaml_tenant_ids()


@lru_cache(maxsize=4)
def _yaml_prefixes(directory: str, mtime: int) -> dict[str, str]:
    """Environment prefixes of the YAML files, kept while the folder is unchanged (its mtime)."""
    return {env_prefix(tenant_id): tenant_id for tenant_id in tenant_files.yaml_tenant_ids()}


def _mtime(directory: Path) -> int:
    try:
        return directory.stat().st_mtime_ns
    except OSError:
        return -1


def clean_config(tenant_id: str, config: object, owners: PrefixOwners | None = None) -> dict[str, Any]:
    """A storable copy of ``config``: a JSON object without ``_meta``, valid against SCHEMA if set;
    raises InvalidConfig."""
    return clean(tenant_id, config, owners)[0]


def clean(tenant_id: str, config: object, owners: PrefixOwners | None = None) -> tuple[dict[str, Any], Checked]:
    """:func:`clean_config`'s copy, and what the one walk of the write rules found in it (the copy
    without its literal secrets, and its references, which are checked here)."""
    doc = storable(tenant_id, config)
    checked = check(tenant_id, doc)
    schema.validate(tenant_id, doc)
    owners = owners or apps.get_model("tenant_registry", "Tenant").objects.prefix_owners
    check_expressions(tenant_id, checked.expressions, owners)
    return doc, checked


def storable(tenant_id: str, config: object) -> dict[str, Any]:
    """A private copy of ``config`` as JSON stores it, without ``_meta``; not yet walked by the write
    rules (:func:`clean`) nor validated against SCHEMA."""
    if not isinstance(config, dict):
        raise InvalidConfig(
            f"tenant {tenant_id}: config must be a JSON object (a mapping), got {type(config).__name__}"
        )
    try:
        encoded = orjson.dumps({k: v for k, v in config.items() if k != "_meta"})
    except TypeError as exc:
        depth.check_doc(tenant_id, config)  # a document too deep (or holding itself) is told as such
        raise InvalidConfig(f"tenant {tenant_id}: config is not JSON: {exc}") from None
    if "_meta" in config:  # dropped, but held to the same cap
        depth.check_doc(tenant_id, {"_meta": config["_meta"]})
    if b"u0000" in encoded and _NUL_ESCAPE.search(encoded):
        problem = "config holds a NUL character (\\u0000), which PostgreSQL cannot store"
        raise InvalidConfig(f"tenant {tenant_id}: {problem}")
    if b"null" in encoded:  # where orjson also writes NaN and the infinities
        for path, value, _ in walk({k: v for k, v in config.items() if k != "_meta"}):
            if isinstance(value, float) and not math.isfinite(value):
                text = "NaN" if math.isnan(value) else f"{'-' if value < 0 else ''}Infinity"
                raise InvalidConfig(f"tenant {tenant_id}: {dotted(path)}: {text} is not a JSON number")
    doc: dict[str, Any] = orjson.loads(encoded)
    return doc
