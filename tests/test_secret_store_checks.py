"""``manage.py check`` and the encrypted store: E013 (SECRET_STORE's value), E014 (unusable keys or no
cryptography), W018 (keys or rows while the store is off), W019 (rows an older key encrypted)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import Error, Warning

from tenant_registry.models import Tenant
from tenant_registry.secret_store.checks import check_secret_store, check_stored_rows
from tenant_registry.secret_store.writes import set_secret

HINT = "Reads of tenants with stored secrets fail until it is fixed."


def e014(text: str) -> list[Error]:
    return [Error(text, hint=HINT, id="tenant_registry.E014")]


def test_a_store_on_with_good_keys_is_quiet(secret_store: Any) -> None:
    assert check_secret_store() == []


def test_nothing_is_said_while_the_store_is_off_and_unconfigured() -> None:
    assert check_secret_store() == []


def test_e013_secret_store_is_none_or_database(registry_config: Any) -> None:
    registry_config(SECRET_STORE="vault")
    assert check_secret_store() == [
        Error("TENANT_REGISTRY['SECRET_STORE'] must be None or 'database', got 'vault'.", id="tenant_registry.E013")
    ]


@pytest.mark.parametrize(
    ("given", "text"),
    [
        ({}, "TENANT_REGISTRY['SECRET_KEYS_FERNET'] holds no key: the encrypted store needs at least one Fernet key."),
        (
            {"SECRET_KEYS_FERNET": "one-key-as-a-string"},
            "TENANT_REGISTRY['SECRET_KEYS_FERNET'] must be a list of Fernet keys, got str.",
        ),
        (
            {"SECRET_KEYS_FERNET": ["c2hvcnQ="]},
            "TENANT_REGISTRY['SECRET_KEYS_FERNET']: key 1 is not a Fernet key (32 url-safe base64-encoded bytes; "
            "make one with cryptography.fernet.Fernet.generate_key()).",
        ),
    ],
)
def test_e014_keys_missing_or_malformed(registry_config: Any, given: dict[str, Any], text: str) -> None:
    registry_config(SECRET_STORE="database", **given)
    assert check_secret_store() == e014(text)


def test_e014_a_key_file_that_cannot_be_read_or_both_settings(
    registry_config: Any, tmp_path: Path, fernet_keys: list[str]
) -> None:
    key_file = tmp_path / "keys"
    registry_config(SECRET_STORE="database", SECRET_KEYS_FERNET_FILE=str(key_file))
    assert check_secret_store() == e014(
        f"TENANT_REGISTRY['SECRET_KEYS_FERNET_FILE']: the key file {key_file} cannot be read: "
        "no such file or directory."
    )
    key_file.write_text("# no key yet\n")
    assert check_secret_store() == e014(
        "TENANT_REGISTRY['SECRET_KEYS_FERNET_FILE'] holds no key: the encrypted store needs at least one Fernet key."
    )
    key_file.write_text(fernet_keys[0] + "\n")
    assert check_secret_store() == []  # the file changed: read again
    registry_config(SECRET_KEYS_FERNET=fernet_keys[:1])
    assert check_secret_store() == e014(
        "give either TENANT_REGISTRY['SECRET_KEYS_FERNET'] or TENANT_REGISTRY['SECRET_KEYS_FERNET_FILE'], not both."
    )


def test_e014_without_cryptography(secret_store: Any, registry_config: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cryptography.fernet", None)  # what an uninstalled package gives
    registry_config(CACHE_TTL=301)  # a new settings object: the keys are built again
    assert check_secret_store() == e014(
        "TENANT_REGISTRY['SECRET_STORE'] is 'database' but the cryptography package is not installed: "
        "pip install 'django-tenant-registry[encrypted]'."
    )


def test_w018_keys_while_the_store_is_off(registry_config: Any, fernet_keys: list[str]) -> None:
    registry_config(SECRET_KEYS_FERNET=fernet_keys[:1])
    assert check_secret_store() == [
        Warning(
            "TENANT_REGISTRY['SECRET_KEYS_FERNET'] set, but TENANT_REGISTRY['SECRET_STORE'] is off: "
            "no secret is stored or read.",
            hint="Set TENANT_REGISTRY['SECRET_STORE'] = 'database' to use them, or remove them.",
            id="tenant_registry.W018",
        )
    ]


@pytest.mark.django_db
def test_w019_and_w018_with_check_database(secret_store: Any, registry_config: Any, fernet_keys: list[str]) -> None:
    Tenant.objects.save_config("tn_a", {"vendor": {"url": "https://x"}})
    set_secret("tn_a", "vendor.api_key", "sk-0123456789abcdef")
    assert check_stored_rows(databases=["default"]) == []
    assert check_stored_rows() == []  # only with check --database
    secret_store(fernet_keys[1:2] + fernet_keys[:1])
    assert check_stored_rows(databases=["default"]) == [
        Warning(
            "1 stored secrets are not encrypted with the first key of TENANT_REGISTRY['SECRET_KEYS_FERNET'].",
            hint="Run manage.py rotate_secret_keys before removing an older key from the list.",
            id="tenant_registry.W019",
        )
    ]
    registry_config(SECRET_STORE=None, SECRET_KEYS_FERNET=())
    assert check_stored_rows(databases=["default"]) == [
        Warning(
            "1 stored secrets are in the database but TENANT_REGISTRY['SECRET_STORE'] is off: they are not read.",
            hint="Set TENANT_REGISTRY['SECRET_STORE'] = 'database', or remove them.",
            id="tenant_registry.W018",
        )
    ]
