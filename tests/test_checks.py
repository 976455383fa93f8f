from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import Error, Warning, run_checks

from tenant_registry import checks
from tenant_registry.checks import database as row_checks
from tenant_registry.checks.database import check_database_secrets
from tenant_registry.checks.files import check_yaml_files
from tenant_registry.checks.settings import check_cache, check_config_dir, check_schema, check_settings
from tenant_registry.models import Tenant
from tenant_registry.secret_store import checks as secret_store_checks

ALL_REFERENCED = ("TN_D4E5F6_OPENAI_API_KEY", "SUPABASE_ANON_KEY_AFRICASTAY", "OPENAI_KEY_AFRICASTAY")


def ids(messages: list[Any]) -> list[str]:
    return [m.id for m in messages]


@pytest.fixture
def env_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ALL_REFERENCED:
        monkeypatch.setenv(name, "value")


def test_defaults_are_quiet_with_redis_and_the_referenced_variables_set(env_set: None) -> None:
    everything = run_checks(include_deployment_checks=True)
    assert [m for m in everything if m.id and m.id.startswith("tenant_registry.")] == []


def test_e004_schema_file_missing_or_invalid(registry_config: Callable[..., None], tmp_path: Path) -> None:
    assert check_schema() == []
    registry_config(SCHEMA=tmp_path / "missing.json")
    assert check_schema() == [
        Error(
            f"TENANT_REGISTRY['SCHEMA'] {tmp_path}/missing.json: cannot read: No such file or directory",
            hint="Fix the file or set TENANT_REGISTRY['SCHEMA'] to None.",
            id="tenant_registry.E004",
        )
    ]
    (tmp_path / "bad.json").write_text('{"type": 12}')
    registry_config(SCHEMA=tmp_path / "bad.json")
    assert ids(check_schema()) == ["tenant_registry.E004"]
    assert "not a valid JSON Schema at type" in check_schema()[0].msg
    (tmp_path / "good.json").write_text('{"type": "object"}')
    registry_config(SCHEMA=tmp_path / "good.json")
    assert check_schema() == []


def test_w005_a_referenced_secret_variable_is_not_set(
    env_set: None, monkeypatch: pytest.MonkeyPatch, config_dir: Path
) -> None:
    assert check_yaml_files() == []
    monkeypatch.delenv("TN_D4E5F6_OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert check_yaml_files() == [
        Warning(
            f"tenant tn_d4e5f6 ({config_dir}/tn_d4e5f6.yaml): secret variables not set: "
            "infrastructure.openai.api_key (${TN_D4E5F6_OPENAI_API_KEY}).",
            hint="Set them in the environment of every process that serves this tenant, or as files "
            "(<VAR>_FILE, or a file named like the variable in SECRET_DIRS).",
            id="tenant_registry.W005",
        )
    ]
    monkeypatch.setenv("OPENAI_API_KEY", "global")  # the SECRET_ENV fallback fills the empty value
    assert check_yaml_files() == []


def test_w009_a_tenant_file_that_does_not_parse_is_reported_with_its_line(env_set: None, config_dir: Path) -> None:
    (config_dir / "tn_broken.yaml").write_text("client:\n  name: [broken\n")
    (config_dir / "africastay.yaml").write_text("client: {name: x}\nclient: {name: y}\n")
    found = check_yaml_files()
    assert [(m.id, m.msg.split(":")[0]) for m in found] == [
        ("tenant_registry.W009", "tenant africastay"),
        ("tenant_registry.W009", "tenant tn_broken"),
    ]
    assert f"{config_dir}/africastay.yaml:2" in found[0].msg
    assert f"{config_dir}/tn_broken.yaml:" in found[1].msg
    assert [m.id for m in run_checks() if m.id == "tenant_registry.W009"] == []  # plain check reads no file
    deploy = run_checks(include_deployment_checks=True, tags=["tenant_files"])
    assert [m.id for m in deploy if m.id == "tenant_registry.W009"] == ["tenant_registry.W009"] * 2


@pytest.mark.django_db
def test_w005_database_tenants(monkeypatch: pytest.MonkeyPatch, registry_config: Callable[..., None]) -> None:
    registry_config(ENV_ALLOW=["VAULT_*"])
    monkeypatch.delenv("VAULT_TOKEN_X", raising=False)
    Tenant.objects.save_config("tn_x", {"vault": {"token": "${VAULT_TOKEN_X}", "url": "${VAULT_URL}"}})
    Tenant.objects.save_config("tn_off", {"vault": {"token": "${VAULT_TOKEN_X}"}}, status="inactive")
    assert check_database_secrets(databases=["default"]) == [
        Warning(
            "tenant tn_x (database): secret variables not set: vault.token (${VAULT_TOKEN_X}).",
            hint="Set them in the environment of every process that serves this tenant, or as files "
            "(<VAR>_FILE, or a file named like the variable in SECRET_DIRS).",
            id="tenant_registry.W005",
        )
    ]
    monkeypatch.setenv("VAULT_TOKEN_X", "t")
    assert check_database_secrets(databases=["other"]) == []
    monkeypatch.setenv("VAULT_TOKEN_X", "t")
    assert check_database_secrets(databases=["default"]) == []


DATABASE_CHECKS = [("W005", check_database_secrets), ("W010", row_checks.check_yaml_rows)]


@pytest.mark.parametrize(("id_", "check"), DATABASE_CHECKS)
def test_a_database_check_runs_only_when_asked(env_set: None, id_: str, check: Callable[..., Any]) -> None:
    # no django_db mark: any query would fail the test, so plain `manage.py check` never touches the database
    assert check() == []
    assert f"tenant_registry.{id_}" not in ids(run_checks())


@pytest.mark.django_db
@pytest.mark.parametrize(("id_", "check"), DATABASE_CHECKS)
def test_a_database_check_is_quiet_when_the_table_is_missing(id_: str, check: Callable[..., Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE tenant_registry_tenant RENAME TO tenant_registry_moved")
    assert check(databases=["default"]) == []


@pytest.mark.django_db
def test_w010_yaml_rows_whose_file_is_missing_or_does_not_load(config_dir: Path, tenant_factory: Any) -> None:
    tenant_factory("tn_a1b2c3", {}, config_source="yaml")  # its file loads
    tenant_factory("tn_gone", {}, config_source="yaml", status="inactive")
    tenant_factory("tn_broken", {}, config_source="yaml")
    tenant_factory("tn_db", {})
    (config_dir / "tn_broken.yaml").write_text("a: 1\na: 2\n")
    hint = (
        "Add or fix the file, or set the row's config_source to database: until then get_config raises for this tenant."
    )
    assert row_checks.check_yaml_rows(databases=["default"]) == [
        Warning(
            f"tenant tn_broken: config_source is yaml but {config_dir}/tn_broken.yaml:2: duplicate key 'a'.",
            hint=hint,
            id="tenant_registry.W010",
        ),
        Warning(
            f"tenant tn_gone: config_source is yaml but {config_dir}/tn_gone.yaml does not exist.",
            hint=hint,
            id="tenant_registry.W010",
        ),
    ]
    assert row_checks.check_yaml_rows(databases=["other"]) == []
    assert "tenant_registry.W010" in ids(run_checks(databases=["default"]))


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        ("django_redis.cache.RedisCache", []),
        ("django.core.cache.backends.locmem.LocMemCache", ["tenant_registry.W002"]),
        ("django.core.cache.backends.redis.RedisCache", ["tenant_registry.W006"]),
        ("django.core.cache.backends.filebased.FileBasedCache", ["tenant_registry.W007"]),
        ("django.core.cache.backends.db.DatabaseCache", ["tenant_registry.W007"]),
        ("django.core.cache.backends.dummy.DummyCache", []),
    ],
)
def test_cache_backend_checks(settings: Any, backend: str, expected: list[str]) -> None:
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:6379/0"}}
    assert ids(check_cache()) == expected


def test_w006_says_why(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    (message,) = check_cache()
    assert message.msg == (
        "Cache 'default' uses Django's built-in RedisCache. The tenant registry reads and writes that server with its "
        "own JSON store (it never pickles), but the backend pickles every other value and is slower on the same server."
    )


def test_a_project_without_settings_of_its_own_reserves_no_tenant_id(settings: Any, tmp_path: Path, db: None) -> None:
    """The demo's YAML-only tenants are the demo's settings, not the app's defaults."""
    settings.TENANT_REGISTRY = {"CONFIG_DIR": tmp_path}
    assert ids(check_config_dir()) == []
    assert Tenant.objects.save_config("example", {"client": {"name": "Ours"}}).config == {"client": {"name": "Ours"}}
    assert Tenant.objects.get_config("example")["client"] == {"name": "Ours"}


def test_existing_checks_still_fire(registry_config: Callable[..., None], tmp_path: Path, settings: Any) -> None:
    registry_config(CACHE_ALIAS="nope", CACHE_TTL=0, BOGUS=1, CONFIG_DIR=tmp_path / "none")
    assert ids(check_settings()) == ["tenant_registry.E002", "tenant_registry.W001"]
    assert ids(check_cache()) == []  # quiet while E002 says the settings cannot be built
    registry_config(CACHE_TTL=300)
    assert ids(check_cache()) == ["tenant_registry.E003"]
    assert ids(check_config_dir()) == ["tenant_registry.W003"]
    registry_config(CONFIG_DIR=tmp_path)
    assert ids(check_config_dir()) == ["tenant_registry.W004"]
    settings.TENANT_REGISTRY = ["not", "a", "dict"]
    assert ids(check_settings()) == ["tenant_registry.E001"]


def test_every_check_id_is_documented_in_the_readme() -> None:
    files = [*Path(str(checks.__file__)).parent.glob("*.py"), Path(str(secret_store_checks.__file__))]
    source = "".join(p.read_text() for p in files)
    found = sorted(set(re.findall(r"tenant_registry\.([EW]\d{3})", source)))
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme[readme.index("## System checks") :].split("\n\n")[1]
    assert found == sorted(set(re.findall(r"`([EW]\d{3})`", table)))
    assert found[-1] == "W019"


def test_a_registry_setting_that_is_not_a_dict_is_a_clear_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    from tenant_registry import conf

    settings.TENANT_REGISTRY = ["CACHE_TTL", 5]
    with pytest.raises(ImproperlyConfigured, match="TENANT_REGISTRY must be a dict, got list"):
        conf.get_settings()


def test_a_bad_number_is_a_clear_error_at_first_use_and_the_settings_are_frozen(registry_config):
    from dataclasses import FrozenInstanceError

    from django.core.exceptions import ImproperlyConfigured

    from tenant_registry import conf

    registry_config(CACHE_TTL="5 minutes")
    with pytest.raises(ImproperlyConfigured, match=r"TENANT_REGISTRY\['CACHE_TTL'\] must be a positive number"):
        conf.get_settings()
    registry_config(CACHE_TTL=5)
    current = conf.get_settings()
    assert current.CACHE_TTL == 5
    assert conf.get_settings() is current  # built once until the settings change
    with pytest.raises(FrozenInstanceError):
        current.CACHE_TTL = 6  # type: ignore[misc]


def test_a_registry_setting_that_is_not_a_dict_gives_only_e001(settings):
    settings.TENANT_REGISTRY = "not a dict"
    assert [m.id for m in run_checks(include_deployment_checks=False) if m.id.startswith("tenant_registry.")] == [
        "tenant_registry.E001"
    ]


def test_l1_size_must_be_a_positive_number(registry_config):
    registry_config(L1_MAX_ENTRIES=0)
    assert [(m.id, m.msg) for m in check_settings()] == [
        ("tenant_registry.E002", "TENANT_REGISTRY['L1_MAX_ENTRIES'] must be a positive number, got 0.")
    ]
