"""Fresh after commit on every write path, the read-before-commit/fill-after-invalidation race,
rollbacks, a writer's own view, and single-flight under a cold key: real threads, real transactions."""

from __future__ import annotations

import json
import sys
import threading
import time

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.urls import reverse

from tenant_registry import cache as registry_cache
from tenant_registry import fills
from tenant_registry.models import Tenant
from tenant_registry.yaml import importer

from .faults import TableQueries, in_thread, run_elsewhere, store, wait_until
from .services import HungServer

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]
TABLE = Tenant._meta.db_table


@pytest.fixture
def own_cache(redis_server, use_cache):
    use_cache(redis_server.url)
    return redis_server


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
    write_import,
    write_import_command,
    write_loaddata,
]


@pytest.mark.parametrize("write", WRITES, ids=lambda f: f.__name__.removeprefix("write_"))
def test_every_write_path_is_fresh_after_commit(own_cache, tenant_factory, tmp_path, write, django_assert_num_queries):
    tenant_factory("tn_w", {"v": 1})
    assert Tenant.objects.get_config("tn_w")["v"] == 1
    fills.settle()
    assert own_cache.client().exists(store().entry_key("tn_w"))

    write(tmp_path)

    assert not own_cache.client().exists(store().entry_key("tn_w"))
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
    assert not own_cache.client().exists(store().entry_key("tn_w"))
    assert in_thread(lambda: Tenant.objects.get_config("tn_w")["v"])() == 2


def test_bulk_create_replaces_a_negative_entry(own_cache, db):
    assert Tenant.objects.get_config("tn_new") is None
    assert own_cache.client().exists(store().entry_key("tn_new"))
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

    assert not own_cache.client().exists(store().entry_key("tn_race")), "the old row was put back"
    assert Tenant.objects.get_config("tn_race")["v"] == 2
    assert in_thread(lambda: Tenant.objects.get_config("tn_race")["v"])() == 2


def test_a_rolled_back_save_leaves_the_cache_as_it_was(own_cache, tenant_factory, django_assert_num_queries):
    tenant_factory("tn_rb", {"v": 1})
    Tenant.objects.get_config("tn_rb")
    client = own_cache.client()
    before = client.get(store().entry_key("tn_rb")), client.get(store().gen_key("tn_rb"))

    with pytest.raises(RuntimeError), transaction.atomic():
        Tenant.objects.save_config("tn_rb", {"v": 2})
        Tenant.objects.filter(pk="tn_rb").update(config={"v": 3})
        raise RuntimeError("roll back")

    assert (client.get(store().entry_key("tn_rb")), client.get(store().gen_key("tn_rb"))) == before
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_rb")["v"] == 1


def test_the_writer_reads_its_own_write_while_others_read_the_committed_one(own_cache, tenant_factory):
    tenant_factory("tn_tx", {"v": 1})
    Tenant.objects.get_config("tn_tx")
    with transaction.atomic():
        Tenant.objects.save_config("tn_tx", {"v": 2})
        assert Tenant.objects.get_config("tn_tx")["v"] == 2
        assert in_thread(lambda: Tenant.objects.get_config("tn_tx")["v"])() == 1
        registry_cache.invalidate(["tn_tx"])  # even with the cache empty, the other connection reads v1
        assert in_thread(lambda: Tenant.objects.get_config("tn_tx")["v"])() == 1
        assert Tenant.objects.get_config("tn_tx")["v"] == 2
    assert in_thread(lambda: Tenant.objects.get_config("tn_tx")["v"])() == 2
    assert Tenant.objects.get_config("tn_tx")["v"] == 2


# 8) stampede


def waiting_on_lock(admin: psycopg.Connection) -> int:
    admin.execute("SELECT pg_stat_clear_snapshot()")  # the lock holder's transaction would keep a stale view
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    ).fetchone()
    return int(row[0])


@pytest.mark.parametrize("redis_state", ["up", "killed", "hung"])
def test_concurrent_readers_of_a_cold_key_cause_one_query(redis_server, use_cache, tenant_factory, redis_state):
    tenant_factory("tn_cold", {"v": 1})
    hung = None
    if redis_state == "hung":
        hung = HungServer()
        use_cache(hung.url)
    else:
        use_cache(redis_server.url)
        if redis_state == "killed":
            redis_server.kill()
    counter = TableQueries(TABLE)
    db = connection.settings_dict
    admin = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    try:
        admin.execute(f'LOCK TABLE "{TABLE}" IN ACCESS EXCLUSIVE MODE')  # holds the first query back

        def read():
            with counter.watching():
                return Tenant.objects.get_config("tn_cold")["v"]

        joins = [in_thread(read) for _ in range(16)]
        assert wait_until(lambda: waiting_on_lock(admin) >= 1, 10) is not None
        time.sleep(1.0)  # every reader is past the cache (one timeout at most) and waiting on the leader
        assert waiting_on_lock(admin) == 1
        admin.commit()
        assert [join() for join in joins] == [1] * 16
    finally:
        admin.close()
        if hung is not None:
            hung.close()
    assert len(counter.statements) == 1, counter.statements


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

    assert not own_cache.client().exists(store().entry_key("tn_rr")), "an old snapshot was put in the cache"
    assert Tenant.objects.get_config("tn_rr")["v"] == 2


def waiting_in_single_flight(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code.co_filename.endswith("singleflight.py"):
            return True
        frame = frame.f_back
    return False


@pytest.mark.parametrize("redis_state", ["up", "up-writer-elsewhere", "killed"])
def test_a_reader_arriving_after_a_commit_never_gets_a_shared_read_that_began_before_it(
    redis_server, use_cache, tenant_factory, key_prefix, redis_state
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
        run_elsewhere(
            'Tenant.objects.save_config("tn_sf", {"v": 2})', redis_url=redis_server.url, key_prefix=key_prefix
        )
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
