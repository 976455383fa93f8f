"""System checks, registered by :func:`register_checks` from ``AppConfig.ready()``. Ids are
documented in the README under "System checks".

Plain ``check`` runs before ``migrate``, ``runserver`` and most commands, so it reads no tenant
file: the per-file checks (tag ``tenant_files``) run with ``check --deploy``, alone with
``check --deploy --tag tenant_files``."""

from __future__ import annotations

from django.core.checks import Tags, register

from ..secret_store import checks as secret_store
from . import database, deploy, files, metrics, middleware, secret_dirs, settings

FILES_TAG = "tenant_files"


def register_checks() -> None:
    register(settings.check_settings, Tags.compatibility)
    register(settings.check_cache, Tags.caches)
    register(settings.check_config_dir, Tags.compatibility)
    register(settings.check_schema, Tags.compatibility)
    register(secret_dirs.check_secret_dirs, Tags.compatibility)
    register(metrics.check_metrics, Tags.compatibility)
    register(secret_store.check_secret_store, Tags.compatibility)
    register(secret_store.check_stored_rows, Tags.database)
    register(files.check_yaml_files, FILES_TAG, deploy=True)
    register(database.check_database_secrets, Tags.database)
    register(database.check_yaml_rows, Tags.database)
    register(deploy.check_cache_connection, Tags.caches, deploy=True)
    register(middleware.check_middleware_settings, Tags.compatibility)
    register(middleware.check_open_hosts, Tags.security)
    register(middleware.check_domains_allowed, Tags.database)
