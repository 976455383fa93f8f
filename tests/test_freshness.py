"""Fresh after commit: once a write's commit has returned, no read that starts afterwards, in
this process or another, the in-process tier included, gets the older config. Every write path,
the read-before-commit/fill-after-invalidation race, rollbacks, a writer's own view, single-flight
followers and snapshots: real threads, real transactions, real processes."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.urls import reverse

from tenant_registry import cache
from tenant_registry.config_files import importer
from tenant_registry.models import Tenant

from .helpers import in_thread, peer_env, read_line, run_elsewhere, start_peer, store, wait_live, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
SAVES = 30  # saves of one tenant, PAUSE apart, while two processes of three threads read it
PAUSE = 0.12
TABLE = Tenant._meta.db_table


def write_save_config(tmp_path):
    Tenant.objects.save_config("tn_w", {"v": 2})


def write_model_save(tmp_path):
    tenant = Tenant.objects.get(pk="tn_w")
    tenant.config = {"v": 2}
    tenant.save()


def write_update_or_create(tmp_path):
    Tenant.objects.update_or_create(pk="tn_w", defaults={"config": {"v": 2}})


def write_queryset_update(tmp_path):
    Tenant.objects.filter(pk="tn_w").update(config={"v": 2})


def write_bulk_update(tmp_path):
    tenant = Tenant.objects.get(pk="tn_w")
    tenant.config = {"v": 2}
    Tenant.objects.bulk_update([tenant], ["config"])


def write_import(tmp_path):
    path = tmp_path / "tn_w.yaml"
    path.write_text("v: 2\n")
    importer.apply(importer.plan([path]))


def write_import_command(tmp_path):
    path = tmp_path / "tn_w.yaml"
    path.write_text("v: 2\n")
    call_command("import_tenants", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115


def write_bulk_create_upsert(tmp_path):
    Tenant.objects.bulk_create(
        [Tenant(id="tn_w", config={"v": 2})], update_conflicts=True, unique_fields=["id"], update_fields=["config"]
    )


def write_loaddata(tmp_path):
    fixture = tmp_path / "tenants.json"
    tenant = {
        "id": "tn_w",
        "name": "",
        "status": "active",
        "config_source": "database",
        "config": {"v": 2},
        "version": 2,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    fixture.write_text(json.dumps([{"model": "tenant_registry.tenant", "pk": "tn_w", "fields": tenant}]))
    call_command("loaddata", str(fixture), verbosity=0)


WRITES = [
    write_save_config,
    write_model_save,
    write_update_or_create,
    write_queryset_update,
    write_bulk_update,
    write_bulk_create_upsert,
    write_import,
    write_import_command,
    write_loaddata,
]


@pytest.mark.parametrize("write", WRITES, ids=lambda f: f.__name__.removeprefix("write_"))
def test_every_write_path_is_fresh_after_commit(own_cache, tenant_factory, tmp_path, write, django_assert_num_queries):
    tenant_factory("tn_w", {"v": 1})
    assert Tenant.objects.get_config("tn_w")["v"] == 1
    cache.settle()
    assert own_cache.client().exists(store().keys.entry("tn_w"))

    write(tmp_path)

    assert not own_cache.client().exists(store().keys.entry("tn_w"))
    assert in_thread(lambda: Tenant.objects.get_config("tn_w")["v"])() == 2
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_w")["v"] == 2


def test_an_admin_edit_is_fresh_after_commit(own_cache, tenant_factory, admin_client):
    tenant_factory("tn_w", {"v": 1})
    assert Tenant.objects.get_config("tn_w")["v"] == 1
    url = reverse("admin:tenant_registry_tenant_change", args=["tn_w"])
    form = {"name": "W", "status": "active", "config_source": "database", "config": '{"v": 2}', "expected_version": "1"}

    response = admin_client.post(url, form)

    assert response.status_code == 302, response.content
    assert not own_cache.client().exists(store().keys.entry("tn_w"))
    assert in_thread(lambda: Tenant.objects.get_config("tn_w")["v"])() == 2


def test_bulk_create_replaces_a_negative_entry(own_cache, db):
    assert Tenant.objects.get_config("tn_new") is None
    assert own_cache.client().exists(store().keys.entry("tn_new"))
    Tenant.objects.bulk_create([Tenant(id="tn_new", config={"v": 1})])
    assert Tenant.objects.get_config("tn_new")["v"] == 1


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_delete_is_fresh_after_commit(own_cache, tenant_factory, how):
    tenant_factory("tn_gone", {"v": 1})
    Tenant.objects.get_config("tn_gone")
    if how == "instance":
        Tenant.objects.get(pk="tn_gone").delete()
    else:
        Tenant.objects.filter(pk="tn_gone").delete()
    assert Tenant.objects.get_config("tn_gone") is None


def test_a_reader_that_read_the_old_row_before_the_commit_cannot_fill_it_after_the_invalidation(
    own_cache, tenant_factory
):
    tenant_factory("tn_race", {"v": 1})
    row_read, go_on = threading.Event(), threading.Event()

    def pause_after_select(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "SELECT status, config_source, config" in sql:
            row_read.set()
            assert go_on.wait(10)
        return result

    def reader():
        with connections["default"].execute_wrapper(pause_after_select):
            return Tenant.objects.get_config("tn_race")["v"]

    join = in_thread(reader)
    assert row_read.wait(10)
    Tenant.objects.save_config("tn_race", {"v": 2})  # commits and invalidates while the reader holds v1
    go_on.set()
    assert join() == 1  # it started before the commit, so v1 is a correct answer for it

    assert not own_cache.client().exists(store().keys.entry("tn_race")), "the old row was put back"
    assert Tenant.objects.get_config("tn_race")["v"] == 2
    assert in_thread(lambda: Tenant.objects.get_config("tn_race")["v"])() == 2


def test_a_rolled_back_save_leaves_the_cache_as_it_was(own_cache, tenant_factory, django_assert_num_queries):
    tenant_factory("tn_rb", {"v": 1})
    Tenant.objects.get_config("tn_rb")
    client = own_cache.client()
    before = client.get(store().keys.entry("tn_rb")), client.get(store().keys.token("tn_rb"))

    with pytest.raises(RuntimeError), transaction.atomic():
        Tenant.objects.save_config("tn_rb", {"v": 2})
        Tenant.objects.filter(pk="tn_rb").update(config={"v": 3})
        raise RuntimeError("roll back")

    assert (client.get(store().keys.entry("tn_rb")), client.get(store().keys.token("tn_rb"))) == before
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_rb")["v"] == 1


def test_the_writer_reads_its_own_write_while_others_read_the_committed_one(own_cache, tenant_factory):
    tenant_factory("tn_tx", {"v": 1})
    Tenant.objects.get_config("tn_tx")
    with transaction.atomic():
        Tenant.objects.save_config("tn_tx", {"v": 2})
        assert Tenant.objects.get_config("tn_tx")["v"] == 2
        assert in_thread(lambda: Tenant.objects.get_config("tn_tx")["v"])() == 1
        cache.invalidate(["tn_tx"])  # even with the cache empty, the other connection reads v1
        assert in_thread(lambda: Tenant.objects.get_config("tn_tx")["v"])() == 1
        assert Tenant.objects.get_config("tn_tx")["v"] == 2
    assert in_thread(lambda: Tenant.objects.get_config("tn_tx")["v"])() == 2
    assert Tenant.objects.get_config("tn_tx")["v"] == 2


# 8) stampede


def test_a_reader_in_a_repeatable_read_transaction_never_fills_its_old_snapshot(own_cache, tenant_factory):
    """Its snapshot may predate a commit whose invalidation it already saw: a fill would outlive the commit."""
    tenant_factory("tn_rr", {"v": 1})
    tenant_factory("tn_other", {"v": 1})
    snapshot_taken, go_on = threading.Event(), threading.Event()

    def reader():
        conn = connections["default"]
        options = {**conn.settings_dict.get("OPTIONS", {}), "isolation_level": psycopg.IsolationLevel.REPEATABLE_READ}
        conn.settings_dict = {**conn.settings_dict, "OPTIONS": options}
        with transaction.atomic():
            assert Tenant.objects.filter(pk="tn_other").exists()  # the snapshot starts here
            snapshot_taken.set()
            assert go_on.wait(10)
            return Tenant.objects.get_config("tn_rr")["v"]

    join = in_thread(reader)
    assert snapshot_taken.wait(10)
    Tenant.objects.save_config("tn_rr", {"v": 2})
    go_on.set()
    assert join() == 1  # what its snapshot holds

    assert not own_cache.client().exists(store().keys.entry("tn_rr")), "an old snapshot was put in the cache"
    assert Tenant.objects.get_config("tn_rr")["v"] == 2


def waiting_in_single_flight(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident or 0)
    while frame is not None:
        if frame.f_code.co_filename.endswith("coalesce.py"):
            return True
        frame = frame.f_back
    return False


@pytest.mark.parametrize("redis_state", ["up", "up-writer-elsewhere", pytest.param("killed", marks=pytest.mark.fault)])
def test_a_reader_arriving_after_a_commit_never_gets_a_shared_read_that_began_before_it(
    redis_server, use_cache, tenant_factory, key_prefix, config_dir, redis_state
):
    """Single-flight must not hand a late reader the answer of a SELECT that predates a commit it saw return."""
    use_cache(redis_server.url)
    tenant_factory("tn_sf", {"v": 1})
    if redis_state == "killed":
        redis_server.kill()
    row_read, go_on = threading.Event(), threading.Event()

    def pause_after_select(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "SELECT status, config_source, config" in sql and not row_read.is_set():
            row_read.set()
            assert go_on.wait(10)
        return result

    def leader():
        with connections["default"].execute_wrapper(pause_after_select):
            return Tenant.objects.get_config("tn_sf")["v"]

    join_leader = in_thread(leader)
    assert row_read.wait(10)
    if redis_state == "up-writer-elsewhere":  # only Redis can tell this process about it
        env = peer_env(redis_server.url, key_prefix, config_dir)
        run_elsewhere('Tenant.objects.save_config("tn_sf", {"v": 2})', env)
    else:
        Tenant.objects.save_config("tn_sf", {"v": 2})  # returns: committed and invalidated

    late: dict[str, int] = {}

    def late_reader():
        try:
            late["v"] = Tenant.objects.get_config("tn_sf")["v"]
        finally:
            connections.close_all()

    follower = threading.Thread(target=late_reader, daemon=True)
    follower.start()
    assert wait_until(lambda: waiting_in_single_flight(follower), 10) is not None, "the late reader did not join"
    go_on.set()
    assert join_leader() == 1  # it began before the commit
    follower.join(10)
    assert late == {"v": 2}


def test_save_is_seen_by_another_process(tenant_factory, reader_process):
    tenant_factory("tn_shared", {"v": 1})
    assert reader_process.get_config("tn_shared")["v"] == 1
    Tenant.objects.save_config("tn_shared", {"v": 2})
    assert reader_process.get_config("tn_shared")["v"] == 2
    assert Tenant.objects.get_config("tn_shared")["v"] == 2


def test_no_read_that_starts_after_a_commit_returned_gets_the_older_config(key_prefix: str, config_dir: Any) -> None:
    Tenant.objects.save_config("tn_fresh", {"v": 0})
    wait_live()
    env = peer_env(os.environ["REDIS_URL"], key_prefix, config_dir, "tn_fresh", TR_PEER_THREADS="3")
    readers = [start_peer("read", env) for _ in range(2)]
    for reader in readers:
        assert read_line(reader) == {"ready": True}
    returned: list[float] = []
    for version in range(1, SAVES + 1):
        with transaction.atomic():
            Tenant.objects.save_config("tn_fresh", {"v": version})
            Tenant.objects.invalidate("tn_fresh")  # readers miss until the commit: the widest window
        returned.append(time.monotonic())
        time.sleep(PAUSE)
    for reader in readers:
        assert reader.stdin is not None
        reader.stdin.write(json.dumps(returned) + "\n")
        reader.stdin.flush()
    reports = [read_line(reader) for reader in readers]
    for reader in readers:
        assert reader.wait(30) == 0
    assert [r["stale"] for r in reports] == [0, 0]
    assert all(r["after"] > 1000 and r["last"] == SAVES for r in reports), reports


@pytest.mark.parametrize("socket_timeout", [0.25, 0.03])
def test_a_subscriber_that_never_acknowledges_holds_a_save_for_its_lease_and_no_longer(
    own_cache, tenant_factory, registry_config, socket_timeout
):
    """A subscriber that got the message but does not answer (a starved or dead process) is waited
    for until its lease must have run out, whatever the socket timeout; then the save returns."""
    registry_config(SOCKET_TIMEOUT=socket_timeout)
    tenant_factory("tn_lease", {"v": 1})
    wait_live()
    started = time.monotonic()
    Tenant.objects.invalidate("tn_lease")
    acknowledged = time.monotonic() - started
    silent = own_cache.client().pubsub()
    silent.subscribe(store().keys.channel)
    assert silent.get_message(timeout=1)["type"] == "subscribe"
    started = time.monotonic()
    Tenant.objects.invalidate("tn_lease")
    waited = time.monotonic() - started
    silent.close()
    assert acknowledged < cache.LEASE
    assert cache.LEASE <= waited < cache.LEASE + 0.2
    assert cache.pending() == (set(), False)
