"""PostgreSQL unreachable for this process (a closed port) or its backend terminated; the shared
server itself keeps running."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from tenant_registry import cache
from tenant_registry.exceptions import RegistryUnavailable
from tenant_registry.models import Tenant

from .helpers import database_unreachable, store, wait_down

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]


def test_cached_entries_are_served_while_the_database_is_down(own_cache, tenant_factory):
    tenant_factory("tn_up", {"v": 1})
    Tenant.objects.get_config("tn_up")
    assert Tenant.objects.get_config("tn_nobody") is None  # negative entry
    with database_unreachable():
        assert Tenant.objects.get_config("tn_up")["v"] == 1
        assert Tenant.objects.get_config("tn_nobody") is None


def test_a_miss_while_the_database_is_down_raises_registry_unavailable(own_cache, tenant_factory):
    tenant_factory("tn_cold", {"v": 1})
    with (
        database_unreachable(),
        pytest.raises(RegistryUnavailable, match="tenant tn_cold: the database is unavailable"),
    ):
        Tenant.objects.get_config("tn_cold")
    assert not own_cache.client().exists(store().keys.entry("tn_cold"))
    assert Tenant.objects.get_config("tn_cold")["v"] == 1


def test_a_miss_with_redis_down_too_raises_registry_unavailable(own_cache, tenant_factory):
    tenant_factory("tn_cold", {"v": 1})
    Tenant.objects.get_config("tn_cold")
    own_cache.kill()
    local = cache.local_tier()
    if local is not None:
        wait_down(local)  # a miss: the in-process tier must not answer either
    with database_unreachable(), pytest.raises(RegistryUnavailable):
        Tenant.objects.get_config("tn_cold")


def test_a_suspended_database_tenant_is_never_resurrected_from_its_yaml_file(own_cache, tenant_factory, config_dir):
    assert (config_dir / "tn_a1b2c3.yaml").is_file()
    tenant_factory("tn_a1b2c3", {"v": 1}, status="suspended")
    with database_unreachable(), pytest.raises(RegistryUnavailable):
        Tenant.objects.get_config("tn_a1b2c3")
    assert Tenant.objects.get_config("tn_a1b2c3")["_meta"]["status"] == "suspended"
    with database_unreachable():
        assert Tenant.objects.get_config("tn_a1b2c3")["_meta"] == {
            "source": "database",
            "tenant_id": "tn_a1b2c3",
            "status": "suspended",
        }


def test_save_config_while_the_database_is_down_raises_and_changes_nothing(own_cache, tenant_factory):
    tenant_factory("tn_keep", {"v": 1})
    Tenant.objects.get_config("tn_keep")
    key = store().keys.entry("tn_keep")
    before = own_cache.client().get(key)
    with database_unreachable(), pytest.raises(RegistryUnavailable, match="tenant tn_keep: not saved"):
        Tenant.objects.save_config("tn_keep", {"v": 2})
    assert own_cache.client().get(key) == before
    assert Tenant.objects.get(pk="tn_keep").config == {"v": 1}
    assert Tenant.objects.get_config("tn_keep")["v"] == 1


def terminate_backend() -> int:
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    return pid


def test_a_read_after_the_backend_was_terminated_reconnects(own_cache, tenant_factory):
    tenant_factory("tn_a", {"v": 1})
    tenant_factory("tn_b", {"v": 2})
    Tenant.objects.get_config("tn_a")
    old_pid = terminate_backend()
    assert Tenant.objects.get_config("tn_b")["v"] == 2
    assert connection.connection.info.backend_pid != old_pid


def test_a_save_after_the_backend_was_terminated_fails_cleanly_and_the_next_one_works(own_cache, tenant_factory):
    tenant_factory("tn_a", {"v": 1})
    Tenant.objects.get_config("tn_a")
    terminate_backend()
    with pytest.raises(RegistryUnavailable, match="tenant tn_a: not saved"):
        Tenant.objects.save_config("tn_a", {"v": 2})
    Tenant.objects.save_config("tn_a", {"v": 3})
    assert Tenant.objects.get_config("tn_a")["v"] == 3
