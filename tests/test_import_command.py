from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tenant_registry.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True)

SKIPPED = [
    "africastay: skipped (YAML-only tenant)",
    "beachresorts: skipped (YAML-only tenant)",
    "example: skipped (YAML-only tenant)",
    "safariexplore-kvph: skipped (YAML-only tenant)",
    "safarirun-t0vc: skipped (YAML-only tenant)",
]


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_tenants", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue().splitlines()


def test_import_is_idempotent():
    out, err = run()
    assert out == [
        *SKIPPED,
        "tn_a1b2c3: created",
        "tn_d4e5f6: created",
        "tn_g7h8i9: created",
        "Imported: 3 created, 0 updated, 0 unchanged, 5 skipped, 0 failed.",
    ]
    assert err == []
    assert sorted(Tenant.objects.values_list("pk", flat=True)) == ["tn_a1b2c3", "tn_d4e5f6", "tn_g7h8i9"]
    assert Tenant.objects.get(pk="tn_a1b2c3").name == "Kilimanjaro Treks"
    out, _ = run()
    assert out[-1] == "Imported: 0 created, 0 updated, 3 unchanged, 5 skipped, 0 failed."


def test_import_updates_changed_tenants_and_invalidates(config_dir):
    run()
    assert Tenant.objects.get_config("tn_d4e5f6")["client"]["name"] == "Cape Coast Voyages"
    (config_dir / "tn_d4e5f6.yaml").write_text("client:\n  name: Renamed Voyages\n")
    out, _ = run()
    assert "tn_d4e5f6: updated" in out
    assert Tenant.objects.get_config("tn_d4e5f6")["client"]["name"] == "Renamed Voyages"


def test_import_stores_references_unresolved_and_strips_literal_secrets(config_dir, monkeypatch):
    monkeypatch.setenv("TN_D4E5F6_OPENAI_API_KEY", "sk-resolved")
    (config_dir / "tn_x.yaml").write_text("email:\n  smtp:\n    password: hunter2\n    host: h\n")
    out, _ = run()
    assert "tn_x: created (literal secrets not stored: email.smtp.password)" in out
    assert Tenant.objects.get(pk="tn_x").config == {"email": {"smtp": {"host": "h"}}}
    stored = Tenant.objects.get(pk="tn_d4e5f6").config
    assert stored["infrastructure"]["openai"]["api_key"] == "${TN_D4E5F6_OPENAI_API_KEY}"
    assert Tenant.objects.get_config("tn_d4e5f6")["infrastructure"]["openai"]["api_key"] == "sk-resolved"


def test_bad_file_is_named_others_are_imported_and_exit_is_non_zero(config_dir):
    bad = config_dir / "tn_broken.yaml"
    bad.write_text("client:\n  name: [oops\n")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 file\\(s\\) could not be imported"):
        call_command("import_tenants", stdout=out, stderr=err)
    assert err.getvalue().startswith(f"error: {bad}:3:")
    assert sorted(Tenant.objects.values_list("pk", flat=True)) == ["tn_a1b2c3", "tn_d4e5f6", "tn_g7h8i9"]


def test_dry_run_writes_nothing(django_assert_num_queries):
    out, _ = run("--dry-run")
    assert out[-1] == "Would import: 3 created, 0 updated, 0 unchanged, 5 skipped, 0 failed."
    assert "tn_a1b2c3: would be created" in out
    assert Tenant.objects.count() == 0


def test_import_given_files_only(config_dir):
    out, _ = run(str(config_dir / "tn_g7h8i9.yaml"))
    assert out == ["tn_g7h8i9: created", "Imported: 1 created, 0 updated, 0 unchanged, 0 skipped, 0 failed."]


def test_exit_code_is_non_zero_from_the_command_line(config_dir, settings):
    import os
    import subprocess
    import sys

    from tests.services import database_url

    (config_dir / "tn_broken.yaml").write_text("a: 1\na: 2\n")
    env = {**os.environ, "DATABASE_URL": database_url(settings.DATABASES["default"]["NAME"])}
    result = subprocess.run(
        [sys.executable, "manage.py", "import_tenants", "--dry-run", str(config_dir / "tn_broken.yaml")],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env=env,
    )
    assert result.returncode == 1
    assert f"{config_dir / 'tn_broken.yaml'}:2: duplicate key 'a'" in result.stderr
