"""``rotate_secret_keys``: every stored secret re-encrypted with the first key, batch by batch; a run stopped
by a row no key opens, or killed, is finished by running it again; a missing or wrong key is one error."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

from tenant_registry.models import StoredSecret, Tenant
from tenant_registry.secret_store.keys import key_id
from tenant_registry.secret_store.sealing import seal
from tenant_registry.secret_store.writes import set_secret

from .helpers import fails, peer_env, run, start_peer

PATHS = [f"vendor{n}.api_key" for n in range(6)]
CONFIG = {f"vendor{n}": {"url": f"https://v{n}.example"} for n in range(6)}


def stored(tenant_id: str = "tn_a") -> dict[str, str]:
    config = Tenant.objects.get_config(tenant_id)
    assert config is not None
    return {f"vendor{n}.api_key": config[f"vendor{n}"].get("api_key") for n in range(6)}


def values() -> dict[str, str]:
    return {path: f"sk-rotate-{path}-0123456789" for path in PATHS}


@pytest.fixture
def six_secrets(secret_store: Any, db: None) -> None:
    """tn_a with six stored secrets under the first key."""
    Tenant.objects.save_config("tn_a", CONFIG)
    for path, value in values().items():
        set_secret("tn_a", path, value)


def key_ids() -> list[str]:
    return list(StoredSecret.objects.order_by("pk").values_list("key_id", flat=True))


def test_rotation_re_encrypts_every_secret_in_batches_and_a_second_run_has_nothing_to_do(
    six_secrets: None, secret_store: Any, fernet_keys: list[str]
) -> None:
    old, new = fernet_keys[0], fernet_keys[1]
    secret_store([new, old])
    assert run("rotate_secret_keys", "--dry-run")[0] == "Would re-encrypt 6 secrets.\n"
    assert key_ids() == [key_id(old)] * 6  # the dry run wrote nothing
    out, _ = run("rotate_secret_keys", "--batch-size", "4")
    assert out.splitlines() == [
        "re-encrypted 4 so far",
        "re-encrypted 6 so far",
        "Re-encrypted 6 secrets with the first key.",
    ]
    assert key_ids() == [key_id(new)] * 6
    assert run("rotate_secret_keys")[0] == "Re-encrypted 0 secrets with the first key.\n"
    secret_store([new])  # the old key gone: everything still opens
    assert stored() == values()


def test_a_row_no_key_opens_stops_the_run_before_its_batch_is_written_and_a_rerun_finishes(
    six_secrets: None, secret_store: Any, fernet_keys: list[str]
) -> None:
    old, new, lost = fernet_keys
    row = StoredSecret.objects.get(path=PATHS[3])  # the fourth row: in the second batch of two
    secret_store([lost])
    row.token, row.key_id = seal("tn_a", row.path, values()[row.path])
    row.save()
    secret_store([new, old])
    out, _, error = fails("rotate_secret_keys", "--batch-size", "2")
    assert out == "re-encrypted 2 so far\n"
    assert str(error) == (
        f"tenant tn_a: the stored secret at {PATHS[3]} cannot be decrypted with any key of "
        "TENANT_REGISTRY['SECRET_KEYS_FERNET'] (was a key removed before rotate_secret_keys re-encrypted it, "
        "or is the row damaged?). 2 secrets were re-encrypted before it, nothing of its batch; fix or remove "
        "that secret, then run the command again to finish"
    )
    assert "sk-rotate" not in str(error)
    assert key_ids() == [key_id(new)] * 2 + [key_id(old), key_id(lost)] + [key_id(old)] * 2
    assert (
        fails("rotate_secret_keys", "--dry-run")[2].args[0].startswith(f"tenant tn_a: the stored secret at {PATHS[3]}")
    )
    secret_store([new, old, lost])
    assert (
        run("rotate_secret_keys", "--batch-size", "2")[0].splitlines()[-1]
        == "Re-encrypted 4 secrets with the first key."
    )
    secret_store([new])
    assert stored() == values()


@pytest.mark.django_db(transaction=True)
def test_a_rotation_killed_midway_is_finished_by_running_it_again(
    secret_store: Any, fernet_keys: list[str], key_prefix: str, config_dir: Any
) -> None:
    old, new = fernet_keys[0], fernet_keys[1]
    tenants = [Tenant(id=f"tn_k{n}", config={"vendor": {"url": "https://x"}}) for n in range(400)]
    Tenant.objects.bulk_create(tenants)
    StoredSecret.objects.bulk_create(
        StoredSecret(
            tenant_id=t.pk,
            path="vendor.api_key",
            token=seal(t.pk, "vendor.api_key", f"sk-{t.pk}-0123456789")[0],
            key_id=key_id(old),
        )
        for t in tenants
    )
    code = "from django.core.management import call_command; call_command('rotate_secret_keys', '--batch-size', '1')"
    env = peer_env(
        os.environ["REDIS_URL"], key_prefix, config_dir, TR_PEER_SECRET_KEYS=f"{new},{old}", TR_PEER_CODE=code
    )
    peer = start_peer("run", env)
    assert peer.stdout is not None
    assert peer.stdout.readline() == "re-encrypted 1 so far\n"
    os.kill(peer.pid, signal.SIGKILL)
    peer.wait(timeout=10)
    done = StoredSecret.objects.filter(key_id=key_id(new)).count()
    assert 1 <= done < 400  # killed midway: some rotated, the rest still under the old key
    secret_store([new, old])
    out, _ = run("rotate_secret_keys", "--batch-size", "100")
    assert out.splitlines()[-1] == f"Re-encrypted {400 - done} secrets with the first key."
    secret_store([new])
    assert all(Tenant.objects.get_config(t.pk)["vendor"]["api_key"] == f"sk-{t.pk}-0123456789" for t in tenants[::37])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({}, "the encrypted store is off: TENANT_REGISTRY['SECRET_STORE'] is not 'database'"),
        (
            {"SECRET_STORE": "database"},
            "TENANT_REGISTRY['SECRET_KEYS_FERNET'] holds no key: the encrypted store needs at least one Fernet key",
        ),
        (
            {"SECRET_STORE": "database", "SECRET_KEYS_FERNET": ["not-a-key"]},
            "TENANT_REGISTRY['SECRET_KEYS_FERNET']: key 1 is not a Fernet key (32 url-safe base64-encoded bytes; "
            "make one with cryptography.fernet.Fernet.generate_key())",
        ),
        (
            {"SECRET_STORE": "database", "SECRET_KEYS_FERNET_FILE": "/nonexistent/fernet.keys"},
            "TENANT_REGISTRY['SECRET_KEYS_FERNET_FILE']: the key file /nonexistent/fernet.keys cannot be read: "
            "no such file or directory",
        ),
    ],
)
def test_a_missing_or_unusable_key_is_one_error_naming_the_setting(
    registry_config: Any, given: dict[str, Any], message: str
) -> None:
    registry_config(**given)
    out, err, error = fails("rotate_secret_keys")
    assert (out, err, str(error)) == ("", "", message)


def test_a_wrong_key_is_one_error_and_nothing_is_written(
    six_secrets: None, secret_store: Any, fernet_keys: list[str]
) -> None:
    secret_store([fernet_keys[1]])  # the old key forgotten
    before = list(StoredSecret.objects.order_by("pk").values_list("token", flat=True))
    _, _, error = fails("rotate_secret_keys")
    assert str(error).startswith(
        f"tenant tn_a: the stored secret at {PATHS[0]} cannot be decrypted with any key of "
        "TENANT_REGISTRY['SECRET_KEYS_FERNET']"
    )
    assert list(StoredSecret.objects.order_by("pk").values_list("token", flat=True)) == before
