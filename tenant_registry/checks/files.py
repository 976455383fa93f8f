"""Checks of the tenant files in CONFIG_DIR: W009 (does not parse), W005 (secret variables found
nowhere), W008 (references a database tenant may not read). Ids are documented in the README."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning

from .. import conf
from ..config_files import tenant_files
from ..documents import env_access
from ..documents import secret_values as secrets
from ..exceptions import TenantRegistryError
from ..ids import env_prefix
from .guards import after_e001


@after_e001
def check_yaml_files(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    ids = tenant_files.yaml_tenant_ids()
    owners = {env_prefix(other): other for other in ids}  # once: every file is checked against all
    for tenant_id in ids:
        path = tenant_files.expected_file(tenant_id)
        try:
            doc = tenant_files.load_file(path)
        except TenantRegistryError as exc:
            messages.append(unreadable_message(tenant_id, exc))
            continue
        messages.extend(secret_messages(tenant_id, str(path), doc))
        if tenant_id not in conf.get_settings().YAML_ONLY_TENANTS:
            messages.extend(reference_messages(tenant_id, str(path), doc, owners))
    return messages


def unreadable_message(tenant_id: str, exc: TenantRegistryError) -> CheckMessage:
    """W009: a tenant file that get_config and import_tenants refuse."""
    return Warning(
        f"tenant {tenant_id}: {exc}",
        hint="Fix the file: the tenant's config cannot be read from it, and import_tenants refuses it.",
        id="tenant_registry.W009",
    )


def reference_messages(
    tenant_id: str, where: str, config: dict[str, Any], owners: dict[str, str]
) -> list[CheckMessage]:
    """W008: a file that import_tenants would write to the database, with references it would refuse.
    ``owners``: each file tenant's environment prefix, to it."""
    problems = env_access.reference_problems(
        tenant_id, config, lambda prefixes: {p: owners[p] for p in prefixes if p in owners}
    )
    if not problems:
        return []
    return [
        Warning(
            f"tenant {tenant_id} ({where}): references this tenant may not read: {'; '.join(problems)}.",
            hint="Use the tenant's own prefix or a SECRET_ENV variable, or list the name in ENV_ALLOW.",
            id="tenant_registry.W008",
        )
    ]


def secret_messages(tenant_id: str, where: str, config: dict[str, Any]) -> list[CheckMessage]:
    unset = secrets.unset_variables(tenant_id, config)
    if not unset:
        return []
    return [
        Warning(
            f"tenant {tenant_id} ({where}): secret variables not set: {'; '.join(unset)}.",
            hint="Set them in the environment of every process that serves this tenant, or as files "
            "(<VAR>_FILE, or a file named like the variable in SECRET_DIRS).",
            id="tenant_registry.W005",
        )
    ]
