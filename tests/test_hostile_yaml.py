"""Hostile YAML and input: each refused with an error naming the file (and line), nothing written;
no read outside CONFIG_DIR; interpolation inserts strings once and never re-parses them."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tenant_registry.exceptions import ConfigFileError, InvalidTenantId
from tenant_registry.models import Tenant

from .helpers import store

pytestmark = [pytest.mark.django_db(transaction=True)]

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)

# name -> (file bytes, the error's text, the line named, or None when the problem has no line)
HOSTILE: dict[str, tuple[bytes, str, int | None]] = {
    "alias-bomb": (BOMB.encode(), "too many values", None),
    "self-alias": (b"ok: 1\nloop: &a [1, *a]\n", "refers to itself", None),
    "deep-nesting": (b"a: " + b"[" * 40 + b"]" * 40 + b"\n", "nesting is deeper than 32", None),
    "very-deep-nesting": (b"a: " + b"[" * 20000 + b"]" * 20000 + b"\n", "nesting", None),
    "duplicate-key": (b"client:\n  name: A\n  name: B\n", "duplicate key 'name'", 3),
    "multi-document": (b"a: 1\n---\nb: 2\n", "single document", 2),
    "non-utf8": (b"a: 1\nb: caf\xe9\n", "not valid UTF-8", 2),
    "date": (b"a: 1\nstarts: !!timestamp 2024-01-01\n", "dates are not allowed", 2),
    "binary": (b"a: 1\nblob: !!binary aGVsbG8=\n", "binary values are not allowed", 2),
    "int-key": (b"a: 1\n1: one\n", "keys must be strings", 2),
    "null-key": (b"a: 1\n~: none\n", "keys must be strings", 2),
    "list-key": (b"a: 1\n? [x, y]\n: pair\n", "keys must be strings", 2),
    "python-tag": (b"a: 1\nrun: !!python/object/apply:os.system [echo pwned]\n", "python/object/apply", 2),
    "not-a-mapping": (b"- a\n- b\n", "must be a mapping", None),
    "empty": (b"", "must be a mapping, got empty", None),
    "nan": (b"a: .nan\n", "non-finite number", 1),
    "bad-syntax": (b"a: [1, 2\nb: 3\n", "", 2),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_gives_a_clear_error_and_writes_nothing(own_cache, config_dir, name):
    content, problem, line = HOSTILE[name]
    path = config_dir / "tn_hostile.yaml"
    path.write_bytes(content)
    where = f"{path}:{line}" if line else str(path)

    with pytest.raises(ConfigFileError) as raised:
        Tenant.objects.get_config("tn_hostile")
    assert str(raised.value).startswith(where), str(raised.value)
    assert problem in str(raised.value)
    assert not own_cache.client().exists(store().keys.entry("tn_hostile"))

    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_tenants", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith(f"error: {where}")
    assert not Tenant.objects.filter(pk="tn_hostile").exists()


def test_size_cap_is_checked_before_parsing(own_cache, config_dir, registry_config):
    registry_config(MAX_YAML_BYTES=64)
    path = config_dir / "tn_big.yaml"
    path.write_text("a: " + "x" * 100 + "\n")
    with pytest.raises(ConfigFileError, match=f"^{path}: larger than MAX_YAML_BYTES \\(64 bytes\\)"):
        Tenant.objects.get_config("tn_big")


def test_a_hostile_file_of_a_yaml_only_tenant_is_an_error_not_an_empty_config(own_cache, config_dir):
    (config_dir / "example.yaml").write_bytes(b"a: 1\na: 2\n")
    with pytest.raises(ConfigFileError, match=r"example\.yaml:2: duplicate key 'a'"):
        Tenant.objects.get_config("example")


def test_a_hostile_file_does_not_replace_the_stored_config(own_cache, config_dir, tenant_factory):
    tenant_factory("tn_a1b2c3", {"v": "stored"})
    (config_dir / "tn_a1b2c3.yaml").write_bytes(b"v: 1\nv: 2\n")
    with pytest.raises(CommandError):
        call_command("import_tenants", stdout=io.StringIO(), stderr=io.StringIO())
    assert Tenant.objects.get(pk="tn_a1b2c3").config == {"v": "stored"}
    assert Tenant.objects.get_config("tn_a1b2c3")["v"] == "stored"


# path tricks


@pytest.mark.parametrize("bad", ["../x", "../../etc/passwd", "/etc/passwd", "configs/../x", "x.yaml", "~root"])
def test_ids_with_path_tricks_are_refused(db, bad):
    with pytest.raises(InvalidTenantId):
        Tenant.objects.get_config(bad)


@pytest.mark.parametrize("tenant_id", ["tn_link", "example"])
def test_a_symlink_leaving_config_dir_is_never_read(own_cache, config_dir, tmp_path, tenant_id):
    outside = tmp_path / "outside.yaml"
    outside.write_text("stolen: top-secret\n")
    link = config_dir / f"{tenant_id}.yaml"
    link.unlink(missing_ok=True)
    link.symlink_to(outside)
    with pytest.raises(ConfigFileError, match="leaves CONFIG_DIR") as raised:
        Tenant.objects.get_config(tenant_id)
    assert "top-secret" not in str(raised.value)


def test_import_of_config_dir_never_follows_a_symlink_out_of_it(db, config_dir, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("stolen: top-secret\n")
    (config_dir / "tn_link.yaml").symlink_to(outside)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_tenants", stdout=io.StringIO(), stderr=err)
    assert "leaves" in err.getvalue()
    assert "top-secret" not in err.getvalue()
    assert not Tenant.objects.filter(pk="tn_link").exists()


def test_a_symlink_inside_config_dir_is_followed(db, config_dir):
    (config_dir / "tn_alias.yaml").symlink_to(config_dir / "tn_a1b2c3.yaml")
    assert Tenant.objects.get_config("tn_alias")["client"]["name"] == "Kilimanjaro Treks"


# interpolation


def test_interpolated_values_are_inserted_once_as_strings(
    own_cache, config_dir, monkeypatch, tenant_factory, registry_config
):
    registry_config(ENV_ALLOW=["OUTER", "YAMLISH", "DOLLARS"])
    monkeypatch.setenv("OUTER", "${INNER}")
    monkeypatch.setenv("INNER", "expanded-twice")
    monkeypatch.setenv("YAMLISH", "{a: 1}\n- b: &x [*x]")
    monkeypatch.setenv("DOLLARS", "$$ and $HOME")
    doc = 'a: "${OUTER}"\nb: "${YAMLISH}"\nc: "${DOLLARS}"\nd: "x-${OUTER}-${MISSING:-${INNER}}"\n'
    (config_dir / "tn_interp.yaml").write_text(doc)
    tenant_factory("tn_db", {"a": "${OUTER}", "b": "${YAMLISH}", "c": "${DOLLARS}"})
    for tenant_id in ("tn_interp", "tn_db", "tn_db"):
        config = Tenant.objects.get_config(tenant_id)
        assert config["a"] == "${INNER}"
        assert config["b"] == "{a: 1}\n- b: &x [*x]"
        assert config["c"] == "$$ and $HOME"
    assert Tenant.objects.get_config("tn_interp")["d"] == "x-${INNER}-expanded-twice"
