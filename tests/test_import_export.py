"""Export -> import is a no-op; an import never changes a status (or name) the file does not state;
`import_tenants --only-new` (what `make run` uses) never overwrites a tenant; exports never carry a
literal secret, whatever the tenant's source."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tenant_registry.models import Tenant

from .admin.pages import change, changelist, form_data
from .helpers import fails, run

pytestmark = [pytest.mark.django_db]
SECRET = "hunter2-literal-password"


def row(tenant_id: str) -> tuple[Any, ...]:
    return Tenant.objects.values_list("name", "status", "config_source", "config", "version").get(pk=tenant_id)


def rows() -> list[tuple[Any, ...]]:
    return list(Tenant.objects.order_by("pk").values_list("pk", "name", "status", "config_source", "config", "version"))


# 12.1: an import never reactivates ------------------------------------------------------------------


def test_reimporting_a_changed_file_keeps_a_suspended_tenant_suspended(tmp_path: Path) -> None:
    Tenant.objects.save_config("tn_susp", {"client": {"name": "Susp"}, "a": 1}, name="Susp", status="suspended")
    (tmp_path / "tn_susp.yaml").write_text("client:\n  name: Susp\na: 2\n")
    out, _ = run("import_tenants", "--diff", str(tmp_path))
    assert out.splitlines() == [
        "tn_susp: updated",
        "  config.a: 1 -> 2",
        "Imported: 0 created, 1 updated, 0 unchanged, 0 skipped, 0 failed.",
    ]
    assert row("tn_susp") == ("Susp", "suspended", "database", {"client": {"name": "Susp"}, "a": 2}, 2)


def test_status_changes_only_when_the_file_states_it(tmp_path: Path) -> None:
    Tenant.objects.save_config("tn_off", {"a": 1}, name="Off", status="inactive")
    (tmp_path / "tn_off.yaml").write_text("_meta:\n  status: active\na: 1\n")
    (tmp_path / "tn_new.yaml").write_text("a: 1\n")
    (tmp_path / "tn_new_susp.yaml").write_text("_meta: {status: suspended, name: Born Suspended}\na: 1\n")
    out, _ = run("import_tenants", "--diff", str(tmp_path))
    assert out.splitlines() == [
        "tn_new: created",
        "  config.a: (absent) -> 1",
        "tn_new_susp: created",
        "  config.a: (absent) -> 1",
        "tn_off: updated",
        '  status: "inactive" -> "active"',
        "Imported: 2 created, 1 updated, 0 unchanged, 0 skipped, 0 failed.",
    ]
    assert row("tn_off")[:2] == ("Off", "active")
    assert row("tn_new")[:2] == ("", "active")
    assert row("tn_new_susp")[:2] == ("Born Suspended", "suspended")


@pytest.mark.parametrize(
    ("meta", "problem"),
    [
        ("_meta: {status: paused}", "_meta.status must be one of active, inactive, suspended, got 'paused'"),
        ("_meta: {config_source: s3}", "_meta.config_source must be one of database, yaml, got 's3'"),
        ("_meta: {name: 3}", "_meta.name must be a string, got 3"),
        ("_meta: {version: 3}", "_meta.version is not known (name, status, config_source)"),
        ("_meta: [status]", "_meta must be a mapping of name, status and config_source"),
    ],
)
def test_a_bad_meta_block_is_a_per_file_error_naming_the_key(tmp_path: Path, meta: str, problem: str) -> None:
    path = tmp_path / "tn_meta.yaml"
    path.write_text(f"{meta}\na: 1\n")
    out, err, error = fails("import_tenants", "-v0", str(path))
    assert out == "Imported: 0 created, 0 updated, 0 unchanged, 0 skipped, 1 failed.\n"
    assert err == f"error: {path}: tenant tn_meta: {problem}\n"
    assert str(error) == "1 file(s) could not be imported; the others were imported."
    assert not Tenant.objects.exists()


# 12.2: export -> import is a no-op, even after an operator's edits ----------------------------------


def test_export_then_import_is_unchanged_after_renames_and_status_changes(tmp_path: Path, admin_client: Any) -> None:
    run("import_tenants", "-v0")
    for tenant_id, edit in (("tn_a1b2c3", {"name": "Renamed In Admin"}), ("tn_d4e5f6", {"status": "suspended"})):
        tenant = Tenant.objects.get(pk=tenant_id)
        response = admin_client.post(change(tenant_id), form_data(tenant, json.dumps(tenant.config), **edit))
        assert response.status_code == 302
    assert row("tn_a1b2c3")[0] == "Renamed In Admin" and row("tn_d4e5f6")[1] == "suspended"
    Tenant.objects.filter(pk="tn_g7h8i9").update(config_source="yaml", name="File Backed")
    out, _ = run("export_tenants", "--out", str(tmp_path / "out"))
    assert out == f"Exported 3 tenant(s) to {tmp_path / 'out'}.\n"
    assert (
        (tmp_path / "out" / "tn_a1b2c3.yaml")
        .read_text()
        .startswith("_meta:\n  name: Renamed In Admin\n  status: active\n  config_source: database\nclient:\n")
    )
    before = rows()
    out, _ = run("import_tenants", "--diff", str(tmp_path / "out"))
    assert out.splitlines() == [
        "tn_a1b2c3: unchanged",
        "tn_d4e5f6: unchanged",
        "tn_g7h8i9: unchanged",
        "Imported: 0 created, 0 updated, 3 unchanged, 0 skipped, 0 failed.",
    ]
    assert rows() == before


def test_an_export_restores_name_status_and_source_into_an_empty_database(tmp_path: Path) -> None:
    run("import_tenants", "-v0")
    Tenant.objects.filter(pk="tn_d4e5f6").update(status="suspended", name="Voyages")
    Tenant.objects.filter(pk="tn_g7h8i9").update(config_source="yaml")
    run("export_tenants", "--out", str(tmp_path / "out"))
    before = [(pk, name, status, source, config) for pk, name, status, source, config, _ in rows()]
    Tenant.objects.all().delete()
    out, _ = run("import_tenants", str(tmp_path / "out"))
    assert out.splitlines()[-1] == "Imported: 3 created, 0 updated, 0 unchanged, 0 skipped, 0 failed."
    after = {pk: (pk, name, status, source, config) for pk, name, status, source, config, _ in rows()}
    for pk, name, status, source, config in before:
        # a row that serves its file keeps its config column; it is created empty
        expected = {} if source == "yaml" else config
        assert after[pk] == (pk, name, status, source, expected)


def test_meta_config_source_yaml_needs_the_file_in_config_dir(tmp_path: Path, config_dir: Path) -> None:
    path = tmp_path / "tn_nofile.yaml"
    path.write_text("_meta: {config_source: yaml}\na: 1\n")
    _, err, _ = fails("import_tenants", "-v0", str(path))
    assert err == (
        f"error: {path}: tenant tn_nofile: _meta.config_source is yaml but {config_dir}/tn_nofile.yaml does not exist\n"
    )


def test_only_new_never_overwrites_an_edited_tenant(config_dir: Path) -> None:
    """What `make run` does on each start."""
    out, _ = run("import_tenants", "--only-new", "-v0")
    assert out == "Imported: 3 created, 0 updated, 0 unchanged, 5 skipped, 0 failed.\n"
    Tenant.objects.save_config("tn_a1b2c3", {"edited": True}, name="Edited In Admin", status="suspended")
    edited = row("tn_a1b2c3")
    (config_dir / "tn_d4e5f6.yaml").write_text("broken: [\n")  # an existing tenant's file is not even read
    (config_dir / "tn_fresh.yaml").write_text("client:\n  name: Fresh\n")
    out, err = run("import_tenants", "--only-new")
    assert out.splitlines() == [
        "africastay: skipped (YAML-only tenant)",
        "beachresorts: skipped (YAML-only tenant)",
        "example: skipped (YAML-only tenant)",
        "safariexplore-kvph: skipped (YAML-only tenant)",
        "safarirun-t0vc: skipped (YAML-only tenant)",
        "tn_a1b2c3: skipped (already in the database)",
        "tn_d4e5f6: skipped (already in the database)",
        "tn_fresh: created",
        "tn_g7h8i9: skipped (already in the database)",
        "Imported: 1 created, 0 updated, 0 unchanged, 8 skipped, 0 failed.",
    ]
    assert err == ""
    assert row("tn_a1b2c3") == edited
    assert row("tn_fresh")[:3] == ("Fresh", "active", "database")


def test_make_run_imports_with_only_new() -> None:
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    imports = [line for line in makefile.splitlines() if "manage.py import_tenants" in line]
    assert imports and all(line.rstrip().endswith("import_tenants --only-new") for line in imports)


# 13.2: no literal secret in an export, whatever the source -------------------------------------------


@pytest.fixture
def file_backed(config_dir: Path) -> Tenant:
    (config_dir / "tn_filed.yaml").write_text(
        "client:\n  name: Filed\nemail:\n  smtp:\n    host: smtp.example\n"
        f"    password: {SECRET}\n  sendgrid:\n    api_key: ${{SENDGRID_KEY_FILED}}\n"
    )
    return Tenant.objects.create(id="tn_filed", name="Filed", config={}, config_source="yaml")


def test_export_tenants_leaves_out_literal_secrets_of_a_file_backed_tenant_and_says_which(file_backed: Tenant) -> None:
    out, err = run("export_tenants", "tn_filed")
    assert SECRET not in out
    assert out == (
        "_meta:\n  name: Filed\n  status: active\n  config_source: yaml\n"
        "client:\n  name: Filed\nemail:\n  smtp:\n    host: smtp.example\n"
        "  sendgrid:\n    api_key: ${SENDGRID_KEY_FILED}\n"
    )
    assert err == "tenant tn_filed: literal secrets left out: email.smtp.password\n"


def test_export_to_a_folder_leaves_them_out_too(file_backed: Tenant, tmp_path: Path) -> None:
    out, err = run("export_tenants", "tn_filed", "--out", str(tmp_path))
    assert out == f"Exported 1 tenant(s) to {tmp_path}.\n"
    assert err == "tenant tn_filed: literal secrets left out: email.smtp.password\n"
    assert SECRET not in (tmp_path / "tn_filed.yaml").read_text()


def test_a_failed_export_says_nothing_of_the_files_it_did_not_write(file_backed: Tenant, tmp_path: Path) -> None:
    Tenant.objects.save_config("tn_plain", {"a": 1})
    (tmp_path / "tn_filed.yaml").mkdir()  # a folder where the file goes: its write fails
    (tmp_path / "tn_filed.yaml" / "keep").write_text("")
    out, err, error = fails("export_tenants", "tn_plain", "tn_filed", "-v2", "--out", str(tmp_path))
    assert (out, err) == (f"tn_plain: {tmp_path}/tn_plain.yaml\n", "")
    assert str(error) == (
        f"tenant tn_filed: cannot write {tmp_path}/tn_filed.yaml: Is a directory "
        "(1 of 2 tenant(s) were written before it)"
    )


def test_admin_export_leaves_them_out_and_says_which(
    file_backed: Tenant, staff_client: Callable[..., Any], tenant_factory: Callable[..., Any]
) -> None:
    tenant_factory("tn_plain", {"a": 1})
    client = staff_client("view")
    one = client.post(changelist(), {"action": "export_yaml", "_selected_action": ["tn_filed"]})
    assert one.status_code == 200
    assert SECRET not in one.content.decode()
    assert yaml.safe_load(one.content)["email"]["smtp"] == {"host": "smtp.example"}
    both = client.post(changelist(), {"action": "export_yaml", "_selected_action": ["tn_filed", "tn_plain"]})
    archive = zipfile.ZipFile(io.BytesIO(both.content))
    assert all(SECRET.encode() not in archive.read(name) for name in archive.namelist())
    page = client.get(changelist()).content.decode()
    note = "Literal secrets were left out of the export: tenant tn_filed: email.smtp.password."
    assert page.count(note) == 2
