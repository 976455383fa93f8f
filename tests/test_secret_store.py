"""The encrypted store (SECRET_STORE = "database"): a stored secret fills its path on read, bound to its
tenant and path, off by default, and fresh in every process after set, replace and remove."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection

from tenant_registry.exceptions import InvalidConfig, StoredSecretError
from tenant_registry.models import StoredSecret, Tenant
from tenant_registry.secret_store.writes import remove_secret, replace_secret, set_secret

from .helpers import TableQueries, wait_live

PATH = "infrastructure.openai.api_key"
CONFIG = {"client": {"name": "Stored"}, "infrastructure": {"openai": {"model": "gpt-4o"}}}
VALUE = "sk-stored-0123456789abcdef-v1"
TABLE = "tenant_registry_storedsecret"


def api_key(config: dict[str, Any] | None) -> Any:
    assert config is not None
    return config["infrastructure"]["openai"].get("api_key")


@pytest.fixture
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "TN_A_OPENAI_API_KEY", "TN_B_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.django_db
def test_a_stored_secret_round_trips_and_is_stored_only_as_a_token(secret_store: Any, no_env_key: None) -> None:
    Tenant.objects.save_config("tn_a", CONFIG)
    set_secret("tn_a", PATH, VALUE)
    assert api_key(Tenant.objects.get_config("tn_a")) == VALUE
    row = StoredSecret.objects.get(tenant_id="tn_a", path=PATH)
    assert VALUE not in row.token and VALUE not in repr(row) and VALUE not in str(row)
    assert Tenant.objects.get(pk="tn_a").config == CONFIG  # the document holds nothing of it


@pytest.mark.django_db(transaction=True)  # committed: a writer's own transaction reads past the cache
def test_a_miss_reads_the_tokens_with_one_query_and_an_in_process_hit_with_none(
    secret_store: Any, no_env_key: None, django_assert_num_queries: Any
) -> None:
    Tenant.objects.save_config("tn_a", CONFIG)
    set_secret("tn_a", PATH, VALUE)
    wait_live()
    with django_assert_num_queries(2):  # the row, then its tokens
        assert api_key(Tenant.objects.get_config("tn_a")) == VALUE
    with django_assert_num_queries(0):
        assert api_key(Tenant.objects.get_config("tn_a")) == VALUE


@pytest.mark.django_db
def test_off_by_default_no_secret_is_stored_and_the_table_is_never_read(no_env_key: None) -> None:
    Tenant.objects.save_config("tn_a", CONFIG)
    with pytest.raises(StoredSecretError, match=r"tenant tn_a: the encrypted store is off \(set TENANT_REGISTRY"):
        set_secret("tn_a", PATH, VALUE)
    queries = TableQueries(TABLE)
    with queries.watching():
        assert api_key(Tenant.objects.get_config("tn_a")) is None
    assert queries.count == 0
    assert StoredSecret.objects.count() == 0


@pytest.mark.django_db
def test_a_resolved_reference_wins_and_a_stored_secret_wins_over_secret_env(
    secret_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-global-from-the-environment-0000")
    monkeypatch.setenv("TN_A_OWN_KEY", "sk-own-referenced-variable-000000")
    Tenant.objects.save_config("tn_a", CONFIG)
    set_secret("tn_a", PATH, VALUE)
    assert api_key(Tenant.objects.get_config("tn_a")) == VALUE
    Tenant.objects.save_config("tn_a", {**CONFIG, "infrastructure": {"openai": {"api_key": "${TN_A_OWN_KEY}"}}})
    assert api_key(Tenant.objects.get_config("tn_a")) == "sk-own-referenced-variable-000000"
    remove_secret("tn_a", PATH)
    Tenant.objects.save_config("tn_a", CONFIG)
    assert api_key(Tenant.objects.get_config("tn_a")) == "sk-global-from-the-environment-0000"


@pytest.mark.django_db
def test_a_secret_fills_only_a_section_the_config_has(secret_store: Any, no_env_key: None) -> None:
    Tenant.objects.save_config("tn_a", {"client": {"name": "No openai section"}})
    set_secret("tn_a", PATH, VALUE)
    assert Tenant.objects.get_config("tn_a") == {
        "client": {"name": "No openai section"},
        "_meta": {"source": "database", "tenant_id": "tn_a", "status": "active"},
    }


@pytest.mark.django_db
def test_a_token_moved_to_another_tenant_does_not_decrypt(secret_store: Any, no_env_key: None) -> None:
    Tenant.objects.save_config("tn_a", CONFIG)
    Tenant.objects.save_config("tn_b", CONFIG)
    set_secret("tn_a", PATH, VALUE)
    set_secret("tn_b", PATH, "sk-b-own-secret-0123456789")
    with connection.cursor() as cursor:  # what an attacker with write access to the table would do
        cursor.execute(
            f"UPDATE {TABLE} SET token = (SELECT token FROM {TABLE} WHERE tenant_id = 'tn_a') WHERE tenant_id = 'tn_b'"
        )
    Tenant.objects.invalidate("tn_b")
    with pytest.raises(StoredSecretError) as caught:
        Tenant.objects.get_config("tn_b")
    assert str(caught.value) == (
        f"tenant tn_b: the stored secret at {PATH} was sealed for another tenant or path (a copied row?); "
        "it is not used: set it again"
    )
    assert VALUE not in str(caught.value)
    assert api_key(Tenant.objects.get_config("tn_a")) == VALUE  # the original still opens


@pytest.mark.django_db
def test_a_token_moved_to_another_path_does_not_decrypt(secret_store: Any, no_env_key: None) -> None:
    config = {**CONFIG, "email": {"smtp": {"host": "smtp.example"}}}
    Tenant.objects.save_config("tn_a", config)
    set_secret("tn_a", PATH, VALUE)
    token = StoredSecret.objects.get(path=PATH).token
    StoredSecret.objects.create(tenant_id="tn_a", path="email.smtp.password", token=token, key_id="x")
    Tenant.objects.invalidate("tn_a")
    with pytest.raises(StoredSecretError, match=r"^tenant tn_a: the stored secret at email\.smtp\.password was sealed"):
        Tenant.objects.get_config("tn_a")


@pytest.mark.django_db
def test_without_the_key_that_encrypted_it_a_read_names_the_setting(
    secret_store: Any, fernet_keys: list[str], no_env_key: None
) -> None:
    Tenant.objects.save_config("tn_a", CONFIG)
    set_secret("tn_a", PATH, VALUE)
    secret_store(fernet_keys[1:2])
    with pytest.raises(StoredSecretError) as caught:
        Tenant.objects.get_config("tn_a")
    assert str(caught.value).startswith(
        f"tenant tn_a: the stored secret at {PATH} cannot be decrypted with any key of "
        "TENANT_REGISTRY['SECRET_KEYS_FERNET']"
    )
    secret_store(fernet_keys[1:2] + fernet_keys[:1])  # the old key listed after the new one: decrypts
    assert api_key(Tenant.objects.get_config("tn_a")) == VALUE


@pytest.mark.django_db
def test_keys_from_a_key_file(registry_config: Any, fernet_keys: list[str], tmp_path: Any, no_env_key: None) -> None:
    key_file = tmp_path / "fernet.keys"
    key_file.write_text(f"# the first encrypts\n{fernet_keys[0]}\n\n{fernet_keys[1]}\n")
    registry_config(SECRET_STORE="database", SECRET_KEYS_FERNET_FILE=str(key_file))
    Tenant.objects.save_config("tn_a", CONFIG)
    set_secret("tn_a", PATH, VALUE)
    assert api_key(Tenant.objects.get_config("tn_a")) == VALUE


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("infrastructure.openai.model", "'model' is not a secret key (SECRET_KEYS)"),
        ("infrastructure..api_key", "a stored secret's path is dotted keys"),
        ("", "a stored secret's path is dotted keys"),
    ],
)
def test_a_path_must_end_in_a_secret_key(secret_store: Any, path: str, why: str) -> None:
    Tenant.objects.save_config("tn_a", CONFIG)
    with pytest.raises(InvalidConfig, match=f"^tenant tn_a: .*{re.escape(why)}"):
        set_secret("tn_a", path, VALUE)


@pytest.mark.django_db
def test_set_refuses_an_existing_secret_and_replace_and_remove_a_missing_one(secret_store: Any) -> None:
    Tenant.objects.save_config("tn_a", CONFIG)
    with pytest.raises(InvalidConfig, match=f"no stored secret at {PATH} to replace"):
        replace_secret("tn_a", PATH, VALUE)
    with pytest.raises(InvalidConfig, match=f"no stored secret at {PATH} to remove"):
        remove_secret("tn_a", PATH)
    set_secret("tn_a", PATH, VALUE)
    with pytest.raises(InvalidConfig, match=f"a stored secret at {PATH} exists already"):
        set_secret("tn_a", PATH, "sk-other-0123456789")
    with pytest.raises(InvalidConfig, match="no database tenant of this id"):
        set_secret("tn_nobody", PATH, VALUE)


def test_set_replace_remove_are_seen_at_the_next_read_in_every_process(
    secret_store: Any, store_reader: Any, no_env_key: None
) -> None:
    Tenant.objects.save_config("tn_a", CONFIG)
    wait_live()
    assert api_key(Tenant.objects.get_config("tn_a")) is None  # cached here and in the other process
    assert api_key(store_reader.get_config("tn_a")) is None
    for change, expected in (
        (lambda: set_secret("tn_a", PATH, VALUE), VALUE),
        (lambda: replace_secret("tn_a", PATH, "sk-stored-replaced-v2-000000"), "sk-stored-replaced-v2-000000"),
        (lambda: remove_secret("tn_a", PATH), None),
    ):
        change()
        assert api_key(Tenant.objects.get_config("tn_a")) == expected
        assert api_key(store_reader.get_config("tn_a")) == expected


@pytest.mark.django_db
def test_a_value_must_be_text_of_bounded_length_and_a_deleted_tenant_takes_its_secrets(secret_store: Any) -> None:
    Tenant.objects.save_config("tn_a", CONFIG)
    for bad in ("", "x" * 65_537):
        with pytest.raises(
            InvalidConfig, match=f"^tenant tn_a: the stored secret at {PATH} must be text of 1 to 65536"
        ):
            set_secret("tn_a", PATH, bad)
    set_secret("tn_a", PATH, VALUE)
    Tenant.objects.get(pk="tn_a").delete()
    assert StoredSecret.objects.count() == 0
