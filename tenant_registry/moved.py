"""Old import paths of modules that moved in 0.1's restructuring: each still imports, as the module
it became, with a DeprecationWarning. Remove after one release."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

MOVED = {
    "tenant_registry.admin_display": "tenant_registry.admin.display",
    "tenant_registry.admin_files": "tenant_registry.admin.files",
    "tenant_registry.admin_history": "tenant_registry.admin.history",
    "tenant_registry.forms": "tenant_registry.admin.forms",
    "tenant_registry.effective": "tenant_registry.admin.preview",
    "tenant_registry.deploy_checks": "tenant_registry.checks.deploy",
    "tenant_registry.row_checks": "tenant_registry.checks.database",
    "tenant_registry.secret_dir_checks": "tenant_registry.checks.secret_dirs",
    "tenant_registry.read": "tenant_registry.reading.lookup",
    "tenant_registry.sources": "tenant_registry.reading.sources",
    "tenant_registry.entry": "tenant_registry.reading.stored_entry",
    "tenant_registry.rows": "tenant_registry.reading.row_select",
    "tenant_registry.cache.owed": "tenant_registry.cache.pending",
    "tenant_registry.cache.stores.redis": "tenant_registry.cache.stores.redis_store",
    "tenant_registry.cache.stores.django": "tenant_registry.cache.stores.django_cache_store",
    "tenant_registry.documents.checks": "tenant_registry.documents.write_rules",
    "tenant_registry.documents.secrets": "tenant_registry.documents.secret_values",
    "tenant_registry.yaml": "tenant_registry.config_files",
    "tenant_registry.yaml.loader": "tenant_registry.config_files.loader",
    "tenant_registry.yaml.importer": "tenant_registry.config_files.importer",
    "tenant_registry.yaml.exporter": "tenant_registry.config_files.exporter",
    "tenant_registry.yaml.plan": "tenant_registry.config_files.plan",
    "tenant_registry.yaml.tenant_files": "tenant_registry.config_files.tenant_files",
}


class _Alias(importlib.abc.Loader):
    def __init__(self, new: str) -> None:
        self.new = new
        self.spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(f"{spec.name} has moved to {self.new}", DeprecationWarning, stacklevel=2)
        module = importlib.import_module(self.new)
        self.spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__ = self.spec  # the import system stamped the old name's spec on it


class MovedFinder(importlib.abc.MetaPathFinder):
    """Answers only for the old names in MOVED, so it costs other imports one dict lookup."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        new = MOVED.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(new), is_package=new == "tenant_registry.config_files")


def install() -> None:
    if not any(isinstance(finder, MovedFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, MovedFinder())
