"""override_tenant_config on a Django TestCase: on in setUpTestData, sync and async tests, off after."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import unittest
from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase

from tenant_registry import get_tenant_config
from tenant_registry.models import Tenant
from tenant_registry.testing import override_tenant_config

from .helpers import in_thread

REPO = Path(__file__).resolve().parent.parent


@override_tenant_config("tn_class", {"email": {"from": "test@example.com"}}, merge=True)
@override_tenant_config("example", None)
class TestAnOverriddenClass(TestCase):
    seen_in_setup: dict[str, Any]

    @classmethod
    def setUpTestData(cls) -> None:
        Tenant.objects.create(id="tn_class", config={"client": {"name": "Real"}, "email": {"from": "a@example.com"}})
        cls.seen_in_setup = get_tenant_config("tn_class") or {}

    def test_set_up_test_data_saw_the_merged_config(self) -> None:
        assert self.seen_in_setup["email"]["from"] == "test@example.com"
        assert self.seen_in_setup["client"]["name"] == "Real"

    def test_a_method_override_nests_inside_the_class_one(self) -> None:
        with override_tenant_config("tn_class", {"client": {"name": "Method"}}, merge=True):
            config = get_tenant_config("tn_class")
        assert (config["client"]["name"], config["email"]["from"]) == ("Method", "test@example.com")
        assert get_tenant_config("tn_class")["client"]["name"] == "Real"

    @override_tenant_config("tn_class", {"v": 1})
    def test_a_decorated_method_replaces_it(self) -> None:
        assert "email" not in (get_tenant_config("tn_class") or {})

    async def test_an_async_test_sees_it(self) -> None:
        config = await Tenant.objects.aget_config("tn_class")
        assert config["email"]["from"] == "test@example.com"
        assert await Tenant.objects.aget_config("example") is None


def run_case(case: type[TestCase]) -> unittest.TestResult:
    """Run a TestCase class on a thread of its own (this one may hold a running event loop, which
    Django's async tests refuse), as unittest runs it."""
    runner = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0)
    result: unittest.TestResult = in_thread(
        lambda: runner.run(unittest.defaultTestLoader.loadTestsFromTestCase(case))
    )()
    return result


# Django's TestCase.tearDownClass closes the connections: what follows reads a YAML-only tenant's file.
@pytest.mark.django_db(transaction=True)
def test_the_class_override_ends_with_the_class():
    result = run_case(TestAnOverriddenClass)
    assert result.wasSuccessful(), result.errors + result.failures
    assert result.testsRun == 4
    assert get_tenant_config("example")["_meta"]["source"] == "yaml"


@pytest.mark.django_db(transaction=True)
def test_a_class_whose_set_up_fails_still_ends_its_override():

    @override_tenant_config("example", None)
    class Failing(TestCase):
        @classmethod
        def setUpTestData(cls) -> None:
            raise RuntimeError("setUpTestData failed")

        def test_never_runs(self) -> None:
            raise AssertionError("unreachable")

    result = run_case(Failing)
    assert "setUpTestData failed" in str(result.errors)
    assert get_tenant_config("example")["_meta"]["source"] == "yaml"


def test_a_non_test_class_is_refused():
    with pytest.raises(TypeError, match="decorates functions and TestCase classes"):
        override_tenant_config("tn_a", {})(dict)


PLUGIN_TESTS = """
from tenant_registry import get_tenant_config

def test_uses_the_fixture(override_tenant_config):
    override_tenant_config("africastay", {"client": {"currency": "EUR"}}, merge=True)
    override_tenant_config("example", None)
    assert get_tenant_config("africastay")["client"]["currency"] == "EUR"
    assert get_tenant_config("example") is None

def test_after_it_the_files_answer_again():
    assert get_tenant_config("africastay")["client"]["currency"] == "ZAR"
    assert get_tenant_config("example") is not None

def test_the_fixture_tolerates_an_early_end(override_tenant_config):
    override_tenant_config("example", None).disable()
    assert get_tenant_config("example") is not None
"""


def test_the_pytest_plugin_ships_the_fixture(tmp_path):
    """The entry point, as a user's project gets it: a pytest run of a file outside this suite."""
    (tmp_path / "test_user.py").write_text(PLUGIN_TESTS)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(REPO / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_user.py"),
        ],
        cwd=REPO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "project.test_settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
