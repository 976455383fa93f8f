from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import ManagementUtility
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenant_registry import cache
from tenant_registry.models import Tenant

from .helpers import fails, run

SKIPPED = [
    f"{t}: skipped (YAML-only tenant)"
    for t in ("africastay", "beachresorts", "example", "safariexplore-kvph", "safarirun-t0vc")
]
LONG_SECRET = "sk-abcdefghijklmnop9f2c"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def rows() -> list[tuple[Any, ...]]:
    return list(Tenant.objects.order_by("pk").values_list("pk", "name", "status", "config_source", "config", "version"))


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, bool], None]:
    def use(text: str, tty: bool) -> None:
        monkeypatch.setattr(sys, "stdin", Tty(text) if tty else io.StringIO(text))

    return use


# import_tenants ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_reports_each_file_and_a_summary() -> None:
    out, err = run("import_tenants")
    assert out.splitlines() == [
        *SKIPPED,
        "tn_a1b2c3: created",
        "tn_d4e5f6: created",
        "tn_g7h8i9: created",
        "Imported: 3 created, 0 updated, 0 unchanged, 5 skipped, 0 failed.",
    ]
    assert err == ""
    tenant = Tenant.objects.get(pk="tn_a1b2c3")
    assert (tenant.name, tenant.status, tenant.config_source, tenant.version) == (
        "Kilimanjaro Treks",
        "active",
        "database",
        1,
    )
    assert run("import_tenants", "-v0")[0] == "Imported: 0 created, 0 updated, 3 unchanged, 5 skipped, 0 failed.\n"


@pytest.mark.django_db
def test_dry_run_says_would_and_writes_nothing(config_dir: Path) -> None:
    Tenant.objects.save_config("tn_a1b2c3", {"client": {"name": "Old"}})
    Tenant.objects.create(id="tn_gone", config={})
    before = rows()
    with CaptureQueriesContext(connection) as queries:
        out, _ = run("import_tenants", "--dry-run", "--prune")
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert rows() == before
    assert out.splitlines()[5:] == [
        "tn_a1b2c3: would be updated",
        "tn_d4e5f6: would be created",
        "tn_g7h8i9: would be created",
        "tn_gone: would be deactivated (no file)",
        "Would import: 2 created, 1 updated, 0 unchanged, 5 skipped, 1 deactivated, 0 failed.",
    ]


@pytest.mark.django_db
def test_diff_shows_key_paths_old_to_new_and_never_a_secret(config_dir: Path) -> None:
    run("import_tenants", "-v0")
    text = (config_dir / "tn_d4e5f6.yaml").read_text()
    text = text.replace("currency: ZAR", "currency: USD").replace(
        "model: gpt-4o-mini", "model: gpt-4o\n    organization: org-1"
    )
    text = text.replace("  smtp:\n", f"  smtp:\n    password: {LONG_SECRET}\n").replace("    port: 587\n", "")
    (config_dir / "tn_d4e5f6.yaml").write_text(text)
    out, _ = run("import_tenants", "--diff", "--dry-run", str(config_dir / "tn_d4e5f6.yaml"))
    assert out.splitlines() == [
        "tn_d4e5f6: would be updated (literal secrets not stored: email.smtp.password)",
        '  config.client.currency: "ZAR" -> "USD"',
        '  config.infrastructure.openai.model: "gpt-4o-mini" -> "gpt-4o"',
        '  config.infrastructure.openai.organization: (absent) -> "org-1"',
        "  config.email.smtp.port: 587 -> (absent)",
        "Would import: 0 created, 1 updated, 0 unchanged, 0 skipped, 0 failed.",
    ]
    assert "abcdefghijklmnop" not in out


@pytest.mark.django_db
def test_diff_masks_secret_references_changes_and_shows_renames(
    config_dir: Path, registry_config: Callable[..., None]
) -> None:
    registry_config(ENV_ALLOW=["A"])
    Tenant.objects.save_config(
        "tn_d4e5f6", {"client": {"name": "Old"}, "infrastructure": {"openai": {"api_key": "${A}"}}}
    )
    out, _ = run("import_tenants", "--diff", str(config_dir / "tn_d4e5f6.yaml"))
    lines = out.splitlines()
    assert lines[:4] == [
        "tn_d4e5f6: updated",
        '  name: "" -> "Cape Coast Voyages"',
        '  config.client.name: "Old" -> "Cape Coast Voyages"',
        '  config.client.timezone: (absent) -> "Africa/Johannesburg"',
    ]
    assert '  config.infrastructure.openai.api_key: "${A}" -> "${TN_D4E5F6_OPENAI_API_KEY}"' in lines


@pytest.mark.django_db
def test_prune_refuses_without_yes_when_stdin_is_not_a_terminal(stdin: Callable[[str, bool], None]) -> None:
    Tenant.objects.create(id="tn_gone", config={})
    stdin("", False)
    out, err, error = fails("import_tenants", "--prune")
    assert (out, err) == ("", "")  # no line claims a tenant created or deactivated
    assert str(error) == (
        "--prune would deactivate 1 tenant(s) without a file: tn_gone; nothing was imported. Confirm with --yes."
    )
    assert [r[0] for r in rows()] == ["tn_gone"]


@pytest.mark.django_db
def test_prune_with_yes_deactivates_tenants_without_a_file(stdin: Callable[[str, bool], None]) -> None:
    Tenant.objects.create(id="tn_gone", config={})
    Tenant.objects.create(id="tn_asleep", config={}, status="inactive")
    stdin("", False)
    out, _ = run("import_tenants", "--prune", "--yes")
    assert out.splitlines()[-2:] == [
        "tn_gone: deactivated (no file)",
        "Imported: 3 created, 0 updated, 0 unchanged, 5 skipped, 1 deactivated, 0 failed.",
    ]
    gone = Tenant.objects.get(pk="tn_gone")
    assert (gone.status, gone.version) == ("inactive", 2)
    assert Tenant.objects.get(pk="tn_asleep").version == 1


@pytest.mark.django_db
def test_prune_asks_on_a_terminal(stdin: Callable[[str, bool], None]) -> None:
    Tenant.objects.create(id="tn_gone", config={})
    for verbosity in ("-v0", "-v1"):
        stdin("n\n", True)
        out, _, error = fails("import_tenants", "--prune", verbosity)
        assert out == "About to deactivate 1 tenant(s) without a file: tn_gone. Continue? [y/N] "
        assert str(error) == "Cancelled; nothing was imported."
    assert Tenant.objects.count() == 1
    stdin("y\n", True)
    out, _ = run("import_tenants", "--prune", "-v0")
    assert out.endswith(
        "Continue? [y/N] Imported: 3 created, 0 updated, 0 unchanged, 5 skipped, 1 deactivated, 0 failed.\n"
    )
    assert Tenant.objects.get(pk="tn_gone").status == "inactive"


@pytest.mark.django_db
def test_prune_keeps_tenants_whose_file_failed(config_dir: Path) -> None:
    Tenant.objects.save_config("tn_broken", {"client": {"name": "Kept"}})
    (config_dir / "tn_broken.yaml").write_text("client: [\n")
    _, err, _ = fails("import_tenants", "--prune", "--yes", "-v0")
    assert err.startswith(f"error: {config_dir}/tn_broken.yaml:2:")
    assert Tenant.objects.get(pk="tn_broken").status == "active"


@pytest.mark.django_db
def test_bad_files_are_named_with_their_line_and_the_others_imported(config_dir: Path) -> None:
    (config_dir / "tn_badyaml.yaml").write_text("client:\n  name: [unclosed\n")
    (config_dir / "tn_dup.yaml").write_text("client:\n  name: A\nbranding: {}\nclient: {}\n")
    (config_dir / "tn_list.yaml").write_text("- a\n- b\n")
    (config_dir / "Bad Name.yaml").write_text("client: {}\n")
    out, err, error = fails("import_tenants", "-v0")
    assert out == "Imported: 3 created, 0 updated, 0 unchanged, 5 skipped, 4 failed.\n"
    assert err.splitlines() == [
        f"error: {config_dir}/Bad Name.yaml: the file name is not a tenant id: invalid tenant id 'Bad Name': "
        "1-64 characters of lowercase letters, digits, '-' and '_', starting with a letter or digit",
        f"error: {config_dir}/tn_badyaml.yaml:3: while parsing a flow sequence, did not find expected ',' or ']'",
        f"error: {config_dir}/tn_dup.yaml:4: duplicate key 'client'",
        f"error: {config_dir}/tn_list.yaml: the document must be a mapping, got a list",
    ]
    assert str(error) == "4 file(s) could not be imported; the others were imported."
    assert sorted(Tenant.objects.values_list("pk", flat=True)) == ["tn_a1b2c3", "tn_d4e5f6", "tn_g7h8i9"]


@pytest.mark.django_db
def test_env_prefix_clash_between_files_names_both_tenants(tmp_path: Path) -> None:
    (tmp_path / "acme-1.yaml").write_text("client: {name: A}\n")
    (tmp_path / "acme_1.yaml").write_text("client: {name: B}\n")
    out, err, _ = fails("import_tenants", str(tmp_path))
    assert out.splitlines() == ["acme-1: created", "Imported: 1 created, 0 updated, 0 unchanged, 0 skipped, 1 failed."]
    assert err == (
        f"error: {tmp_path}/acme_1.yaml: tenant acme_1 clashes with tenant acme-1 "
        f"(from the file {tmp_path}/acme-1.yaml): "
        "both map to the environment prefix ACME_1_; rename one of them\n"
    )
    assert list(Tenant.objects.values_list("pk", flat=True)) == ["acme-1"]


@pytest.mark.django_db
def test_env_prefix_clash_with_a_database_tenant(tmp_path: Path) -> None:
    Tenant.objects.save_config("acme-1", {"client": {"name": "A"}})
    (tmp_path / "acme_1.yaml").write_text("client: {name: B}\n")
    _, err, _ = fails("import_tenants", str(tmp_path))
    assert err == (
        f"error: {tmp_path}/acme_1.yaml: tenant acme_1 clashes with tenant acme-1 (from the database): "
        "both map to the environment prefix ACME_1_; rename one of them\n"
    )


@pytest.mark.django_db
def test_bulk_import_stores_what_save_config_stores(tmp_path: Path) -> None:
    doc = {"client": {"name": "Same"}, "infrastructure": {"openai": {"api_key": LONG_SECRET, "model": "m"}}}
    (tmp_path / "tn_bulk.yaml").write_text(
        f"client: {{name: Same}}\ninfrastructure:\n  openai: {{api_key: {LONG_SECRET}, model: m}}\n"
    )
    out, _ = run("import_tenants", str(tmp_path))
    assert out.splitlines()[0] == "tn_bulk: created (literal secrets not stored: infrastructure.openai.api_key)"
    Tenant.objects.save_config("tn_single", doc, name="Same")
    fields = ("name", "status", "config_source", "config", "version")
    bulk, single = (Tenant.objects.values(*fields).get(pk=pk) for pk in ("tn_bulk", "tn_single"))
    assert (
        bulk
        == single
        == {
            "name": "Same",
            "status": "active",
            "config_source": "database",
            "config": {"client": {"name": "Same"}, "infrastructure": {"openai": {"model": "m"}}},
            "version": 1,
        }
    )
    (tmp_path / "tn_bulk.yaml").write_text("client: {name: Same}\nbranding: {font: Inter}\n")
    run("import_tenants", str(tmp_path))
    Tenant.objects.save_config("tn_single", {"client": {"name": "Same"}, "branding": {"font": "Inter"}})
    bulk, single = (Tenant.objects.values(*fields).get(pk=pk) for pk in ("tn_bulk", "tn_single"))
    assert bulk == single
    assert bulk["version"] == 2


@pytest.mark.django_db
def test_import_keeps_status_and_name_without_client_name(tmp_path: Path) -> None:
    Tenant.objects.save_config("tn_keep", {"a": 1}, name="Kept Name", status="suspended")
    (tmp_path / "tn_keep.yaml").write_text("a: 2\n")
    run("import_tenants", str(tmp_path))
    assert Tenant.objects.values_list("name", "status", "config", "version").get() == (
        "Kept Name",
        "suspended",
        {"a": 2},
        2,
    )


@pytest.mark.django_db
def test_a_type_change_is_not_unchanged(tmp_path: Path) -> None:
    Tenant.objects.save_config("tn_types", {"flag": 1})
    (tmp_path / "tn_types.yaml").write_text("flag: true\n")
    out, _ = run("import_tenants", "--diff", str(tmp_path))
    assert out.splitlines()[:2] == ["tn_types: updated", "  config.flag: 1 -> true"]


@pytest.mark.django_db(transaction=True)
def test_one_transaction_and_invalidation_after_commit_only_for_changed(config_dir: Path) -> None:
    run("import_tenants", "-v0")
    for tenant_id in ("tn_a1b2c3", "tn_d4e5f6"):
        Tenant.objects.get_config(tenant_id)
        assert cache.contains(tenant_id) is True
    path = config_dir / "tn_a1b2c3.yaml"
    path.write_text(path.read_text().replace("currency: USD", "currency: TZS"))
    with CaptureQueriesContext(connection) as queries:
        run("import_tenants", "-v0")
    sql = [q["sql"] for q in queries]
    assert [s for s in sql if "SAVEPOINT" in s or s in ("BEGIN", "COMMIT", "ROLLBACK")] == ["BEGIN", "COMMIT"]
    assert sum(1 for s in sql if s.startswith('INSERT INTO "tenant_registry_tenant"')) == 1
    assert cache.contains("tn_a1b2c3") is False
    assert cache.contains("tn_d4e5f6") is True
    assert Tenant.objects.get_config("tn_a1b2c3")["client"]["currency"] == "TZS"


@pytest.fixture
def refuse_insert_of() -> Iterator[Callable[[str], None]]:
    """A real database failure: a trigger that refuses to insert one tenant id."""

    def install(tenant_id: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE FUNCTION tr_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.id = '{tenant_id}' THEN RAISE EXCEPTION 'refused %', NEW.id; END IF; RETURN NEW; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER tr_refuse BEFORE INSERT ON tenant_registry_tenant "
                "FOR EACH ROW EXECUTE FUNCTION tr_refuse()"
            )

    yield install
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS tr_refuse ON tenant_registry_tenant")
        cursor.execute("DROP FUNCTION IF EXISTS tr_refuse()")


@pytest.mark.django_db(transaction=True)
def test_a_failed_write_rolls_back_the_whole_run(tmp_path: Path, refuse_insert_of: Callable[[str], None]) -> None:
    Tenant.objects.save_config("tn_old", {"a": 0})
    Tenant.objects.get_config("tn_old")
    refuse_insert_of("tn_zzz")
    for tenant_id in ("tn_old", "tn_new", "tn_zzz"):
        (tmp_path / f"{tenant_id}.yaml").write_text("a: 1\n")
    out, err, error = fails("import_tenants", str(tmp_path))
    assert (out, err) == ("", "")  # no "created" line for a write that never committed
    assert str(error).startswith("nothing was imported: refused tn_zzz")
    assert list(Tenant.objects.values_list("pk", "config", "version")) == [("tn_old", {"a": 0}, 1)]
    assert cache.contains("tn_old") is True  # no invalidation for a write that never committed


@pytest.mark.django_db
def test_unstorable_values_are_per_file_errors(tmp_path: Path) -> None:
    (tmp_path / "tn_nul.yaml").write_text('a: "x\\0y"\n')
    (tmp_path / "tn_long.yaml").write_text("client: {name: " + "x" * 201 + "}\n")
    (tmp_path / "tn_ok.yaml").write_text("a: 1\n")
    out, err, _ = fails("import_tenants", "-v0", str(tmp_path))
    assert out == "Imported: 1 created, 0 updated, 0 unchanged, 0 skipped, 2 failed.\n"
    assert err.splitlines() == [
        f"error: {tmp_path}/tn_long.yaml: tenant tn_long: client.name is longer than 200 characters",
        f"error: {tmp_path}/tn_nul.yaml: tenant tn_nul: config holds a NUL character (\\u0000), "
        "which PostgreSQL cannot store",
    ]
    assert list(Tenant.objects.values_list("pk", flat=True)) == ["tn_ok"]


@pytest.mark.django_db
def test_progress_line_only_on_a_terminal(tmp_path: Path) -> None:
    for i in range(250):
        (tmp_path / f"tn_p{i:03d}.yaml").write_text(f"n: {i}\n")
    tty = Tty()
    with CaptureQueriesContext(connection) as queries:
        run("import_tenants", "-v0", str(tmp_path), out=tty)
    assert (
        sum(1 for q in queries if q["sql"].startswith('INSERT INTO "tenant_registry_tenant"')) == 1
    )  # 250 tenants, one bulk statement
    assert tty.getvalue() == (
        "\rReading files: 100/250\rReading files: 200/250\rReading files: 250/250\n"
        "Writing 250 tenant(s) in one transaction...\n"
        "Imported: 250 created, 0 updated, 0 unchanged, 0 skipped, 0 failed.\n"
    )
    out, _ = run("import_tenants", "-v0", str(tmp_path))
    assert out == "Imported: 0 created, 0 updated, 250 unchanged, 0 skipped, 0 failed.\n"


# export_tenants ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_then_import_is_unchanged(tmp_path: Path) -> None:
    run("import_tenants", "-v0")
    doc = {"client": {"name": "Extra"}, "list": [1, "2", None, True, 1.5], "date": "2024-01-01", "n": "012", "y": "yes"}
    Tenant.objects.save_config("tn_extra", doc, name="Extra")
    out, _ = run("export_tenants", "--out", str(tmp_path / "out"))
    assert out == f"Exported 4 tenant(s) to {tmp_path / 'out'}.\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "tn_a1b2c3.yaml",
        "tn_d4e5f6.yaml",
        "tn_extra.yaml",
        "tn_g7h8i9.yaml",
    ]
    before = rows()
    out, _ = run("import_tenants", "--diff", str(tmp_path / "out"))
    assert out.splitlines() == [
        "tn_a1b2c3: unchanged",
        "tn_d4e5f6: unchanged",
        "tn_extra: unchanged",
        "tn_g7h8i9: unchanged",
        "Imported: 0 created, 0 updated, 4 unchanged, 0 skipped, 0 failed.",
    ]
    assert rows() == before


@pytest.mark.django_db
def test_export_one_tenant_to_stdout_with_secret_references(registry_config: Callable[..., None]) -> None:
    registry_config(ENV_ALLOW=["OPENAI_KEY_X"])
    Tenant.objects.save_config(
        "tn_x", {"client": {"name": "X"}, "openai": {"api_key": "${OPENAI_KEY_X}", "x_token": LONG_SECRET}}
    )
    out, _ = run("export_tenants", "tn_x")
    assert out == (
        "_meta:\n  name: ''\n  status: active\n  config_source: database\n"
        "client:\n  name: X\nopenai:\n  api_key: ${OPENAI_KEY_X}\n"
    )


@pytest.mark.django_db
def test_export_errors_name_the_tenant_and_the_file(tmp_path: Path, config_dir: Path) -> None:
    Tenant.objects.save_config("tn_x", {"a": 1})
    Tenant.objects.save_config("tn_y", {"a": 1})
    assert str(fails("export_tenants", "tn_x", "tn_nope")[2]) == (
        f"tenant tn_nope: no such tenant (no database row and no file in {config_dir})"
    )
    assert str(fails("export_tenants", "tn_nope", "africastay", "tn_a1b2c3", "example", "tn_nix")[2]) == (
        "tenant africastay, example: not in the database (YAML-only tenants already are files); "
        f"tenant tn_a1b2c3: not in the database (served from <id>.yaml in {config_dir}, already a YAML file); "
        f"tenant tn_nope, tn_nix: no such tenant (no database row and no file in {config_dir})"
    )
    assert str(fails("export_tenants", "Nope")[2]).startswith("invalid tenant id 'Nope'")
    assert (
        str(fails("export_tenants")[2]) == "Give --out DIR to export more than one tenant (stdout takes a single ID)."
    )
    blocker = tmp_path / "file"
    blocker.write_text("")
    error = fails("export_tenants", "tn_x", "--out", str(blocker / "sub"))[2]
    assert str(error) == f"tenant tn_x: cannot write {blocker}/sub/tn_x.yaml: Not a directory"


@pytest.mark.django_db
def test_export_of_a_yaml_sourced_row_writes_its_file_document(config_dir: Path) -> None:
    Tenant.objects.create(id="tn_a1b2c3", config={}, config_source="yaml")
    out, _ = run("export_tenants", "tn_a1b2c3")
    assert out.startswith(
        "_meta:\n  name: ''\n  status: active\n  config_source: yaml\n"
        "client:\n  name: Kilimanjaro Treks\n  timezone: Africa/Dar_es_Salaam\n"
    )
    assert (
        "escalation: If the caller mentions altitude sickness, transfer to ${ESCALATION_NUMBER:-+255225550100}.\n"
        in out
    )


# tenant_config -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_tenant_config_masks_secrets_and_says_where_it_came_from(
    monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    monkeypatch.setenv("TN_D4E5F6_OPENAI_KEY", LONG_SECRET)
    monkeypatch.setenv("TN_D4E5F6_SMTP_PASSWORD", "short")
    Tenant.objects.save_config(
        "tn_d4e5f6", {"openai": {"api_key": "${TN_D4E5F6_OPENAI_KEY}"}, "email": {"smtp": {"host": "h"}}}
    )
    out, _ = run("tenant_config", "tn_d4e5f6")
    assert out == (
        '{\n  "openai": {\n    "api_key": "sk-…9f2c"\n  },\n'
        '  "email": {\n    "smtp": {\n      "host": "h",\n      "password": "set"\n    }\n  },\n'
        '  "_meta": {\n    "source": "database",\n    "tenant_id": "tn_d4e5f6",\n'
        '    "status": "active",\n    "read_from": "database"\n  }\n}\n'
    )
    with django_assert_num_queries(1):  # the config from the cache; the stored form tells what to mask
        out, _ = run("tenant_config", "tn_d4e5f6", "--format", "yaml")
    assert out == (
        "openai:\n  api_key: sk-…9f2c\nemail:\n  smtp:\n    host: h\n    password: set\n"
        "_meta:\n  source: database\n  tenant_id: tn_d4e5f6\n  status: active\n  read_from: cache\n"
    )
    out, _ = run("tenant_config", "tn_d4e5f6", "--raw", "--format", "yaml")
    assert out == (
        "openai:\n  api_key: ${TN_D4E5F6_OPENAI_KEY}\nemail:\n  smtp:\n    host: h\n"
        "_meta:\n  tenant_id: tn_d4e5f6\n  source: database\n  status: active\n  version: 1\n  read_from: database\n"
    )
    assert LONG_SECRET[3:-4] not in out


@pytest.mark.django_db
def test_tenant_config_of_yaml_tenants(config_dir: Path) -> None:
    out, _ = run("tenant_config", "example", "--format", "yaml")
    assert out.endswith("_meta:\n  source: yaml\n  tenant_id: example\n  status: active\n  read_from: yaml\n")
    out, _ = run("tenant_config", "africastay", "--raw", "--format", "yaml")
    assert "    anon_key: ${SUPABASE_ANON_KEY_AFRICASTAY}\n" in out
    assert out.endswith(f"  read_from: yaml\n  file: {config_dir}/africastay.yaml\n")


@pytest.mark.django_db
def test_tenant_config_errors(config_dir: Path) -> None:
    assert (
        str(fails("tenant_config", "tn_nobody")[2])
        == f"tenant tn_nobody: unknown (no database row and no file {config_dir}/tn_nobody.yaml)"
    )
    assert (
        str(fails("tenant_config", "tn_nobody", "--raw")[2])
        == f"tenant tn_nobody: unknown (no database row and no file {config_dir}/tn_nobody.yaml)"
    )
    assert str(fails("tenant_config", "NOPE")[2]).startswith("invalid tenant id 'NOPE'")
    (config_dir / "tn_broken.yaml").write_text("a: [\n")
    assert str(fails("tenant_config", "tn_broken")[2]).startswith(f"{config_dir}/tn_broken.yaml:2:")


# tenant_cache ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tenant_cache_info_is_an_aligned_table() -> None:
    Tenant.objects.save_config("tn_x", {"a": 1})
    Tenant.objects.get_config("tn_x")  # inside the test transaction: read past the cache, no fill
    Tenant.objects.get_config("example")  # YAML-only: never in the shared cache
    Tenant.objects.get_config("tn_unknown")  # a negative entry
    out, _ = run("tenant_cache", "info")
    assert out == "backend         redis\navailable       yes\nttl_seconds     300\ncached_tenants  1\n"


@pytest.mark.django_db
def test_tenant_cache_clear_all_and_some() -> None:
    for tenant_id in ("tn_a", "tn_b", "tn_c"):
        Tenant.objects.get_config(tenant_id)  # negative entries: real keys of this app
    assert run("tenant_cache", "clear", "tn_a")[0] == "Invalidated 1 tenant(s): tn_a.\n"
    assert cache.contains("tn_a") is False
    assert cache.contains("tn_b") is True
    assert run("tenant_cache", "clear")[0] == "Removed 2 cache entries.\n"
    assert run("tenant_cache", "clear")[0] == "Removed 0 cache entries.\n"
    error = fails("tenant_cache", "clear", "tn_b", "Bad!")[2]
    assert str(error).startswith("invalid tenant id 'Bad!'")


@pytest.mark.django_db
@pytest.mark.fault
def test_tenant_cache_clear_fails_when_the_cache_is_down(redis_server: Any, use_cache: Callable[[str], None]) -> None:
    use_cache(redis_server.url)
    Tenant.objects.get_config("tn_a")
    redis_server.kill()
    error = fails("tenant_cache", "clear", "tn_a")[2]
    assert str(error) == "the cache is unavailable: could not invalidate tn_a; run the command again once it answers"
    out, _ = run("tenant_cache", "info")
    lines = out.splitlines()
    assert lines[:2] == ["backend         redis", "available       no"]
    assert lines[2].startswith("reason          ") and "Connection" in lines[2]  # refused or reset
    assert lines[3:] == ["ttl_seconds     300", "cached_tenants  unknown"]


# masking (used by tenant_config and --diff) ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("sk-proj-0123456789abcd9f2c", "sk-…9f2c"),
        ("short-secret", "set"),
        ("", "missing"),
        (None, "missing"),
        (123456, "set"),
    ],
)
def test_mask_value(value: object, shown: str) -> None:
    from tenant_registry.documents.masking import mask_value

    assert mask_value(value) == shown


def test_mask_secrets_masks_secret_keys_and_secret_env_paths_only(registry_config: Callable[..., None]) -> None:
    from tenant_registry.documents.masking import mask_secrets

    registry_config(SECRET_ENV={"vendor.licence": "VENDOR_LICENCE"})
    config = {
        "vendor": {"licence": "c" * 20, "url": "https://v"},
        "auth": {"client_secret": "abc", "tokens": ["x"], "refresh_token": ["t" * 20, "${REFRESH}"], "enabled": True},
        "password": None,
    }
    assert mask_secrets(config) == {
        "vendor": {"licence": "ccc…cccc", "url": "https://v"},
        "auth": {"client_secret": "set", "tokens": ["x"], "refresh_token": ["ttt…tttt", "${REFRESH}"], "enabled": True},
        "password": None,
    }
    assert config["vendor"]["licence"] == "c" * 20  # pure: the input is not changed


def test_a_command_error_exits_with_status_1_and_its_message_on_stderr() -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "manage.py", "tenant_cache", "clear", "Bad!"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "CommandError: invalid tenant id 'Bad!': 1-64 characters of lowercase letters, digits, '-' and '_', "
        "starting with a letter or digit\n"
    )


def test_tenant_config_help_explains_its_id_and_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        ManagementUtility(["manage.py", "tenant_config", "--help"]).execute()
    shown = " ".join(capsys.readouterr().out.split())
    assert "ID The tenant id, e.g. tn_a1b2c3 or africastay." in shown
    assert "--format {json,yaml} Output as JSON (the default) or YAML." in shown
