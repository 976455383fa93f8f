"""The restructured package: every old import path still works, as the module it became, with a
DeprecationWarning; the package itself never imports an old path."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from tenant_registry.moved import MOVED


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_an_old_path_is_the_new_module_with_a_warning(old: str, new: str) -> None:
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{old} has moved to {new}"):
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    assert module.__spec__ is not None
    assert module.__spec__.name == new


def test_old_names_from_a_moved_package_import_too() -> None:
    for name in [m for m in sys.modules if m.startswith("tenant_registry.yaml")]:
        del sys.modules[name]
    with pytest.warns(DeprecationWarning):
        from tenant_registry.yaml.tenant_files import expected_file  # type: ignore[import-not-found]
    from tenant_registry.config_files.tenant_files import expected_file as current

    assert expected_file is current


def test_the_package_and_its_checks_import_no_old_path() -> None:
    code = (
        "import warnings, django, os, pkgutil, importlib\n"
        "warnings.simplefilter('error', DeprecationWarning)\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'project.test_settings'\n"
        "django.setup()\n"
        "import tenant_registry\n"
        "from tenant_registry.moved import MOVED\n"
        "for m in pkgutil.walk_packages(tenant_registry.__path__, 'tenant_registry.'):\n"
        "    if m.name not in MOVED and '.migrations.' not in m.name:\n"
        "        importlib.import_module(m.name)\n"
        "from django.core.management import call_command\n"
        "call_command('check', '--fail-level', 'CRITICAL')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
