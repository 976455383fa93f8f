"""Hits of a tenant whose secret is stored encrypted (SECRET_STORE) beside one whose secret comes from the
environment, under the same settings: what opening the token costs on a Redis hit (every one decrypts), and
that an in-process hit reuses its answer as it does for a variable."""

from __future__ import annotations

import os

from cryptography.fernet import Fernet

from tenant_registry.ids import env_prefix
from tenant_registry.models import Tenant
from tenant_registry.secret_store.writes import remove_secret, set_secret

from .reads import Row, _registry, _wait_live
from .timing import Case, interleaved

PATH = "infrastructure.vapi.api_key"


def hits(size: str, env_id: str, stored_id: str, samples: int) -> list[Row]:
    variable = env_prefix(env_id) + "VAPI_API_KEY"
    os.environ[variable] = "bench-vapi-from-the-env-0123456789"
    rows: list[Row] = []
    try:
        store = {"SECRET_STORE": "database", "SECRET_KEYS_FERNET": [Fernet.generate_key().decode()]}
        with _registry(**store):
            set_secret(stored_id, PATH, "bench-vapi-stored-0123456789")
            try:
                for l1, label in ((False, "Redis (L1 off)"), (True, "L1")):
                    rows += _pair(size, env_id, stored_id, samples, l1, label)
            finally:
                remove_secret(stored_id, PATH)
    finally:
        del os.environ[variable]
    return rows


def _pair(size: str, env_id: str, stored_id: str, samples: int, l1: bool, label: str) -> list[Row]:
    with _registry(L1_ENABLED=l1):
        for tenant_id in (env_id, stored_id):
            Tenant.objects.get_config(tenant_id)
        if l1:
            _wait_live()
        from_env = Case(f"{label} hit, secret from env", lambda: Tenant.objects.get_config(env_id))
        stored = Case(f"{label} hit, stored secret", lambda: Tenant.objects.get_config(stored_id))
        interleaved([from_env, stored], samples)
        assert Tenant.objects.get_config(stored_id)["infrastructure"]["vapi"]["api_key"].endswith("stored-0123456789")
    return [
        Row(f"get_config hit, {label}, SECRET_STORE on, secret from the env", size, from_env),
        Row(f"get_config hit, {label}, stored (encrypted) secret", size, stored, from_env, 1.2 if l1 else 1.5),
    ]
