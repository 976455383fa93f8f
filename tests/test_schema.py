from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.core.management import CommandError, call_command

from tenant_registry.documents import schema
from tenant_registry.exceptions import InvalidConfig, SchemaFileError
from tenant_registry.managers import clean_config
from tenant_registry.models import Tenant

SCHEMA = {
    "type": "object",
    "required": ["client"],
    "properties": {
        "client": {"type": "object", "properties": {"name": {"type": "string", "minLength": 1}}},
        "branding": {
            "type": "object",
            "properties": {"primary_color": {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$"}},
        },
        "prompts": {"type": "object", "properties": {"upsell": {"type": "array", "items": {"type": "string"}}}},
    },
}


@pytest.fixture
def with_schema(tmp_path: Path, registry_config: Callable[..., None]) -> Callable[[Any], Path]:
    def use(document: Any) -> Path:
        path = tmp_path / "tenant.schema.json"
        path.write_bytes(document if isinstance(document, bytes) else orjson.dumps(document))
        registry_config(SCHEMA=path)
        return path

    return use


def test_no_schema_means_no_validation() -> None:
    assert schema.get_validator() is None
    assert clean_config("tn_x", {"branding": {"primary_color": 12}}) == {"branding": {"primary_color": 12}}


@pytest.mark.django_db
def test_save_config_names_the_tenant_and_the_failing_path(with_schema: Callable[[Any], Path]) -> None:
    with_schema(SCHEMA)
    with pytest.raises(InvalidConfig) as caught:
        Tenant.objects.save_config("tn_x", {"client": {"name": "X"}, "branding": {"primary_color": 12}})
    assert str(caught.value) == "tenant tn_x: config.branding.primary_color: 12 is not of type 'string'"
    with pytest.raises(InvalidConfig) as caught:
        Tenant.objects.save_config("tn_x", {"prompts": {"upsell": ["a", 3]}})
    assert str(caught.value) == (
        "tenant tn_x: config: 'client' is a required property; config.prompts.upsell[1]: 3 is not of type 'string'"
    )
    assert not Tenant.objects.exists()
    Tenant.objects.save_config("tn_x", {"client": {"name": "X"}, "branding": {"primary_color": "#00AAFF"}})
    assert Tenant.objects.get(pk="tn_x").version == 1


def test_many_failures_are_capped(with_schema: Callable[[Any], Path]) -> None:
    with_schema({"type": "object", "additionalProperties": {"type": "string"}})
    with pytest.raises(InvalidConfig) as caught:
        clean_config("tn_x", {f"k{i}": i for i in range(7)})
    assert str(caught.value).endswith("config.k4: 4 is not of type 'string' (and 2 more)")


@pytest.mark.django_db
def test_import_reports_schema_failures_per_file_and_imports_the_rest(
    with_schema: Callable[[Any], Path], config_dir: Path
) -> None:
    with_schema(SCHEMA)
    path = config_dir / "tn_g7h8i9.yaml"
    path.write_text(path.read_text().replace('primary_color: "#B45309"', "primary_color: 0xB45309"))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_tenants", "-v0", stdout=out, stderr=err)
    assert (
        err.getvalue()
        == f"error: {path}: tenant tn_g7h8i9: config.branding.primary_color: 11817737 is not of type 'string'\n"
    )
    assert out.getvalue() == "Imported: 2 created, 0 updated, 0 unchanged, 5 skipped, 1 failed.\n"
    assert sorted(Tenant.objects.values_list("pk", flat=True)) == ["tn_a1b2c3", "tn_d4e5f6"]


@pytest.mark.django_db
def test_a_broken_schema_stops_every_write(with_schema: Callable[[Any], Path]) -> None:
    path = with_schema(b'{"type": "object",\n "properties": }')
    with pytest.raises(SchemaFileError) as caught:
        Tenant.objects.save_config("tn_x", {"client": {}})
    # orjson's own wording follows, and changes between its releases
    assert str(caught.value).startswith(f"TENANT_REGISTRY['SCHEMA'] {path}:2: not valid JSON: unexpected character")
    with pytest.raises(CommandError) as command:
        call_command("import_tenants", stdout=io.StringIO(), stderr=io.StringIO())
    assert str(command.value) == f"nothing was imported: {caught.value}"
    assert not Tenant.objects.exists()


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"type": "objekt"}, "not a valid JSON Schema at type: 'objekt' is not valid under any of the given schemas"),
        ([1, 2], "a schema must be a JSON object"),
    ],
)
def test_invalid_schemas_are_refused(with_schema: Callable[[Any], Path], document: Any, problem: str) -> None:
    path = with_schema(document)
    with pytest.raises(SchemaFileError) as caught:
        schema.get_validator()
    assert str(caught.value) == f"TENANT_REGISTRY['SCHEMA'] {path}: {problem}"


def test_missing_schema_file(registry_config: Callable[..., None], tmp_path: Path) -> None:
    registry_config(SCHEMA=str(tmp_path / "nope.json"))
    with pytest.raises(SchemaFileError) as caught:
        clean_config("tn_x", {})
    assert (
        str(caught.value) == f"TENANT_REGISTRY['SCHEMA'] {tmp_path}/nope.json: cannot read: No such file or directory"
    )


def test_schema_is_cached_until_settings_change(
    with_schema: Callable[[Any], Path], registry_config: Callable[..., None]
) -> None:
    path = with_schema({"type": "object", "properties": {"a": {"type": "string"}}})
    first = schema.get_validator()
    path.write_bytes(orjson.dumps({"type": "object", "properties": {"a": {"type": "integer"}}}))
    assert schema.get_validator() is first
    clean_config("tn_x", {"a": "text"})
    registry_config(CACHE_TTL=301)
    with pytest.raises(InvalidConfig):
        clean_config("tn_x", {"a": "text"})


def test_a_schema_that_gives_a_key_twice_is_refused(with_schema: Callable[[Any], Path]) -> None:
    # Kept silently, the second "properties" would drop the rules of the first.
    path = with_schema(b'{"type": "object",\n "properties": {"a": {"type": "string"}},\n "properties": {}}')
    with pytest.raises(SchemaFileError) as caught:
        schema.get_validator()
    assert str(caught.value) == f"TENANT_REGISTRY['SCHEMA'] {path}:3: not valid JSON: duplicate key properties"
