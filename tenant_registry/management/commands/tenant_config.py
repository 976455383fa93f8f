from __future__ import annotations

from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from tenant_registry import cache, conf
from tenant_registry.admin import preview as effective
from tenant_registry.admin.preview import stored_config
from tenant_registry.config_files import exporter, tenant_files
from tenant_registry.documents.masking import mask_secrets
from tenant_registry.exceptions import TenantRegistryError
from tenant_registry.ids import validate_id
from tenant_registry.kinds import Source, Status
from tenant_registry.models import Tenant


class Command(BaseCommand):
    help = (
        "Show a tenant's config as get_config resolves it, secrets masked; _meta.read_from says where "
        "it came from (cache, database or yaml)."
    )
    requires_system_checks: list[str] = []  # W005 parses every file in CONFIG_DIR; `manage.py check` runs it

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tenant_id", metavar="ID", help="The tenant id, e.g. tn_a1b2c3 or africastay.")
        parser.add_argument("--raw", action="store_true", help="The stored form: uninterpolated, unresolved.")
        parser.add_argument(
            "--format", choices=("json", "yaml"), default="json", help="Output as JSON (the default) or YAML."
        )

    def handle(self, *args: Any, tenant_id: str, raw: bool, format: str, **options: Any) -> None:
        try:
            validate_id(tenant_id)
            config = self._raw(tenant_id) if raw else self._resolved(tenant_id)
        except TenantRegistryError as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            raise CommandError(f"tenant {tenant_id}: the database is unavailable ({exc})") from exc
        if config is None:
            missing = tenant_files.expected_file(tenant_id)
            raise CommandError(f"tenant {tenant_id}: unknown (no database row and no file {missing})")
        # The raw form shows references, not values: only literal secrets need masking there.
        masked = mask_secrets(config) if raw else effective.masked(tenant_id, config, stored_config(Tenant, tenant_id))
        if format == "yaml":
            self.stdout.write(exporter.to_yaml(masked), ending="")
        else:
            self.stdout.write(orjson.dumps(masked, option=orjson.OPT_INDENT_2).decode())

    def _resolved(self, tenant_id: str) -> dict[str, Any] | None:
        yaml_only = tenant_id in conf.get_settings().YAML_ONLY_TENANTS
        cached = not yaml_only and cache.contains(tenant_id) is True
        config = Tenant.objects.get_config(tenant_id)
        if config is not None:
            config["_meta"]["read_from"] = "cache" if cached else config["_meta"]["source"]
        return config

    def _raw(self, tenant_id: str) -> dict[str, Any] | None:
        row = None
        if tenant_id not in conf.get_settings().YAML_ONLY_TENANTS:
            row = Tenant.objects.filter(pk=tenant_id).values("config_source", "status", "config", "version").first()
        if row is not None and row["config_source"] == Tenant.Source.DATABASE:
            config = row["config"] if isinstance(row["config"], dict) else {}
            meta = {
                "source": Source.DATABASE.value,
                "status": row["status"],
                "version": row["version"],
                "read_from": "database",
            }
            return {**config, "_meta": {"tenant_id": tenant_id, **meta}}
        path = tenant_files.tenant_file(tenant_id)
        if path is None:
            if row is not None:
                missing = f"{tenant_files.config_dir()}/{tenant_id}.yaml"
                raise CommandError(f"tenant {tenant_id}: config_source is yaml but {missing} does not exist")
            return None
        status = row["status"] if row is not None else Status.ACTIVE.value
        meta = {
            "tenant_id": tenant_id,
            "source": Source.YAML.value,
            "status": status,
            "read_from": "yaml",
            "file": str(path),
        }
        return {**tenant_files.load_file(path), "_meta": meta}
