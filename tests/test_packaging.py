"""The installed distribution's metadata: what it depends on and what it claims to run on."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import metadata, requires

import django
from packaging.requirements import Requirement

from .helpers import REPO

DIST = "django-tenant-registry"
CORE = [r for r in map(Requirement, requires(DIST) or []) if r.marker is None]
# The first release of each that supports every Django the classifiers name (5.2 and 6.1).
FLOORS = {"django": ("5.2", "5.1.99"), "django-simple-history": ("3.12", "3.11.99"), "django-redis": ("7.0", "6.99")}


def core(name: str) -> Requirement:
    (found,) = [r for r in CORE if r.name.lower() == name]
    return found


def classified(prefix: str) -> set[str]:
    return {c.removeprefix(prefix) for c in metadata(DIST).get_all("Classifier") or [] if c.startswith(prefix)}


def test_psycopg_without_a_build_choice() -> None:
    psycopg = core("psycopg")
    assert (psycopg.extras, str(psycopg.specifier)) == (set(), ">=3.1.18")
    assert all(r.name.lower() != "psycopg-binary" for r in CORE)


def test_floors_support_every_classified_django() -> None:
    for name, (floor, below) in FLOORS.items():
        spec = core(name).specifier
        assert spec.contains(floor) and not spec.contains(below), (name, str(spec))


def test_classifiers_name_the_django_and_python_this_run_uses() -> None:
    djangos = classified("Framework :: Django :: ")
    assert djangos == {"5.2", "6.1"}
    assert "{}.{}".format(*django.VERSION[:2]) in djangos
    assert "{}.{}".format(*sys.version_info[:2]) in classified("Programming Language :: Python :: ")
    assert core("django").specifier.contains("6.1.99") and not core("django").specifier.contains("6.2")


def test_the_app_loads_on_this_django_without_a_deprecation_warning() -> None:
    code = "import django; django.setup(); import tenant_registry.admin, tenant_registry.models"
    done = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-W", "error::PendingDeprecationWarning", "-c", code],
        cwd=REPO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "project.test_settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
