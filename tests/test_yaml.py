import logging

import pytest

from tenant_registry.exceptions import ConfigFileError, InterpolationError
from tenant_registry.models import Tenant

pytestmark = pytest.mark.django_db


def test_interpolation_in_yaml(config_dir, monkeypatch):
    monkeypatch.setenv("OPENAI_KEY_AFRICASTAY", "sk-africa")
    monkeypatch.setenv("AFRICASTAY_SUPABASE_URL", "https://override.example")
    config = Tenant.objects.get_config("africastay")
    assert config["infrastructure"]["openai"]["api_key"] == "sk-africa"
    assert config["infrastructure"]["supabase"]["url"] == "https://override.example"
    assert config["prompts"]["pricing_note"] == "Prices are per person sharing, from $1,200 a night."


def test_default_applies_when_unset(config_dir, monkeypatch):
    monkeypatch.delenv("AFRICASTAY_SUPABASE_URL", raising=False)
    assert (
        Tenant.objects.get_config("africastay")["infrastructure"]["supabase"]["url"] == "https://africastay.supabase.co"
    )


def test_unset_variable_is_empty_with_a_warning_naming_file_and_variable(config_dir, caplog):
    (config_dir / "example.yaml").write_text("client:\n  name: ${EXAMPLE_UNSET_NAME}\n")
    with caplog.at_level(logging.WARNING, logger="tenant_registry"):
        assert Tenant.objects.get_config("example")["client"]["name"] == ""
    assert any("example.yaml" in r.message and "EXAMPLE_UNSET_NAME" in r.message for r in caplog.records)


def test_required_variable_error_names_file_and_variable(config_dir):
    (config_dir / "example.yaml").write_text("client:\n  key: ${EXAMPLE_REQUIRED:?set it in the deploy}\n")
    with pytest.raises(InterpolationError) as raised:
        Tenant.objects.get_config("example")
    message = str(raised.value)
    assert "example.yaml" in message
    assert "EXAMPLE_REQUIRED" in message
    assert "set it in the deploy" in message
    assert "client.key" in message


def test_malformed_file_names_file_and_line_and_breaks_no_other_tenant(config_dir):
    (config_dir / "example.yaml").write_text("client:\n  name: ok\n  bad: [unclosed\nother: 1\n")
    with pytest.raises(ConfigFileError) as raised:
        Tenant.objects.get_config("example")
    assert str(config_dir / "example.yaml") in str(raised.value)
    assert ":4:" in str(raised.value) or ":5:" in str(raised.value)
    assert Tenant.objects.get_config("beachresorts")["client"]["name"] == "Beach Resorts"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- a\n- b\n", "must be a mapping"),
        ("", "must be a mapping"),
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("a: 1\n---\nb: 2\n", "single document"),
        ("when: !!timestamp 2024-01-01\n", "dates are not allowed"),
        ("1: one\n", "keys must be strings"),
        ("blob: !!binary aGVsbG8=\n", "binary values are not allowed"),
        ("x: !!python/object:os.system {}\n", "could not determine a constructor"),
    ],
)
def test_bad_documents_are_clear_errors(config_dir, text, problem):
    (config_dir / "example.yaml").write_text(text)
    with pytest.raises(ConfigFileError, match=problem) as raised:
        Tenant.objects.get_config("example")
    assert "example.yaml" in str(raised.value)


def test_yaml_file_changes_are_seen_without_restart(config_dir):
    assert Tenant.objects.get_config("example")["client"]["name"] == "Example Travel"
    (config_dir / "example.yaml").write_text("client:\n  name: Renamed\n")
    assert Tenant.objects.get_config("example")["client"]["name"] == "Renamed"


def test_missing_yaml_only_file_is_none(config_dir):
    (config_dir / "example.yaml").unlink()
    assert Tenant.objects.get_config("example") is None


def test_links_leaving_config_dir_are_not_listed_or_read(config_dir, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("client:\n  name: Outside\n")
    (config_dir / "tn_link.yaml").symlink_to(outside)
    assert "tn_link" not in Tenant.objects.list_tenants()
    with pytest.raises(ConfigFileError, match="leaves CONFIG_DIR"):
        Tenant.objects.get_config("tn_link")
