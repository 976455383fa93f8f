"""The braced cases of compose-go's template tests, run through get_config for a YAML file and for a
database tenant alike. Cases ported from compose-spec/compose-go, template/template_test.go
(Apache License 2.0). Unbraced ``$VAR`` stays literal outside a braced expression (our documented
choice, so prices like "$5" in prompts are safe); inside one it expands as in Compose."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.core.management import call_command

from tenant_registry.exceptions import InterpolationError
from tenant_registry.models import Tenant

ENV = {"FOO": "first", "BAR": "", "JSON": '{"json":2}'}

RESULTS = [
    ("$${foo}", "${foo}"),
    ("foo", "foo"),
    ("a $ string", "a $ string"),
    ("^REGEX$", "^REGEX$"),
    ("$}", "$}"),
    ("$", "$"),
    ("This ${missing} var", "This  var"),
    ("This ${BAR} var", "This  var"),
    ("This ${FOO} var", "This first var"),
    ("ok ${missing:-def}", "ok def"),
    ("ok ${missing-def}", "ok def"),
    ("ok ${BAR:-def}", "ok def"),
    ("ok ${FOO:-def}", "ok first"),
    ("ok ${BAR-def}", "ok "),
    ("ok ${UNSET_VAR:+presence_value}", "ok "),
    ("ok ${UNSET_VAR+presence_value}", "ok "),
    ("ok ${FOO:+presence_value}", "ok presence_value"),
    ("ok ${FOO+presence_value}", "ok presence_value"),
    ("ok ${BAR+presence_value}", "ok presence_value"),
    ("ok ${BAR:+presence_value}", "ok "),
    ("ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric"),
    ("-ok ${BAR:-defaultValue}", "-ok defaultValue"),
    ("+ok ${UNSET:-${BAR-defaultValue}}", "+ok "),
    ("-ok ${FOO:-defaultValue}", "-ok first"),
    (":-ok ${UNSET-defaultValue}", ":-ok defaultValue"),
    (":-ok ${BAR-defaultValue}", ":-ok "),
    (":?ok ${BAR-defaultValue}", ":?ok "),
    (":?ok ${BAR:-defaultValue}", ":?ok defaultValue"),
    (":+ok ${BAR:-defaultValue}", ":+ok defaultValue"),
    ("+ok ${BAR-defaultValue}", "+ok "),
    ("?ok ${BAR:-defaultValue}", "?ok defaultValue"),
    ("ok ${UNSET_VAR-$FOO}", "ok first"),
    ("ok ${UNSET_VAR-${FOO}}", "ok first"),
    ("ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first"),
    ("ok ${BAR:-$FOO}", "ok first"),
    ("ok ${BAR:-${FOO}}", "ok first"),
    ("ok ${BAR:-${FOO} ${FOO}}", "ok first first"),
    ("ok ${BAR+$FOO}", "ok first"),
    ("ok ${BAR+$FOO ${FOO:+second}}", "ok first second"),
    ("ok ${FOO:?err}", "ok first"),
    ("ok ${FOO?err}", "ok first"),
    ("ok ${BAR?err}", "ok "),
    ("${UNSET_VAR-myerror?msg}", "myerror?msg"),
    ("${FOO?bar-baz}", "first"),
    ("${BAR:-default_value_for_empty_var}", "default_value_for_empty_var"),
    ("${UNSET_VAR-default_value_for_unset_var}", "default_value_for_unset_var"),
    ("ok ${SUBDOMAIN:-redis}.${FOO:?}", "ok redis.first"),
    ('ok ${missing:-{"json":1}}', 'ok {"json":1}'),
    ('ok ${missing-{"json":1}}', 'ok {"json":1}'),
    ('ok ${JSON:-{"json":1}}', 'ok {"json":2}'),
    ('ok ${JSON-{"json":1}}', 'ok {"json":2}'),
    ("$FOO-bar", "$FOO-bar"),  # unbraced outside an expression: kept (Compose would expand it)
    # TestSubstitutionFunctionChoice: the operator is the one right after the name, whatever the argument holds
    ("${UNSET_VAR:-value}", "value"),
    ("${UNSET_VAR-va:-lu:?e}", "va:-lu:?e"),
    ("${UNSET_VAR-va+lu?e}", "va+lu?e"),
    ("${UNSET_VAR-va?lu+e}", "va?lu+e"),
    ("${FOO:+va:?lu:-e}", "va:?lu:-e"),
    ("${BAR+va:+lue}", "va:+lue"),
    ("${BAR+va?lu-e}", "va?lu-e"),
    ("${BAR+va-lu?e}", "va-lu?e"),
    ("${BAR?val:?ue}", ""),
]

ERRORS = [
    (
        "not ok ${UNSET_VAR:?Mandatory Variable Unset}",
        "required variable UNSET_VAR is missing a value: Mandatory Variable Unset",
    ),
    ("not ok ${BAR:?Mandatory Variable Empty}", "required variable BAR is missing a value: Mandatory Variable Empty"),
    ("not ok ${UNSET_VAR:?}", "required variable UNSET_VAR is missing a value"),
    (
        "not ok ${UNSET_VAR?Mandatory Variable Unset}",
        "required variable UNSET_VAR is missing a value: Mandatory Variable Unset",
    ),
    ("not ok ${UNSET_VAR?}", "required variable UNSET_VAR is missing a value"),
    (
        "not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}",
        # Compose says "Mandatory Variable first": ours keeps the message's references unexpanded.
        "required variable UNSET_VAR is missing a value: Mandatory Variable ${FOO}",
    ),
    (
        "not ok ${UNSET_VAR?Mandatory Variable ${FOO}}",
        # Compose says "Mandatory Variable first": ours keeps the message's references unexpanded.
        "required variable UNSET_VAR is missing a value: Mandatory Variable ${FOO}",
    ),
    ("${UNSET_VAR?bar-baz}", "required variable UNSET_VAR is missing a value: bar-baz"),
    # TestSubstitutionFunctionChoice
    ("${BAR:?val?ue}", "required variable BAR is missing a value: val?ue"),
    ("${UNSET_VAR?val:?ue}", "required variable UNSET_VAR is missing a value: val:?ue"),
    ("${UNSET_VAR?va-lu+e:?e}", "required variable UNSET_VAR is missing a value: va-lu+e:?e"),
    ("${UNSET_VAR?va+lu-e:?e}", "required variable UNSET_VAR is missing a value: va+lu-e:?e"),
]

INVALID = ["${", "${}", "${ }", "${ foo}", "${foo }", "${foo!}"]


@pytest.fixture
def compose_env(monkeypatch, registry_config):
    registry_config(ENV_ALLOW=["*"])
    for name in ("UNSET_VAR", "UNSET", "missing", "SUBDOMAIN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def yaml_value(config_dir, template: str) -> object:
    (config_dir / "example.yaml").write_text(
        f"client:\n  name: Example\nv: '{template.replace(chr(39), chr(39) * 2)}'\n"
    )
    return Tenant.objects.get_config("example")["v"]


def database_value(template: str) -> object:
    Tenant.objects.save_config("tn_compose", {"v": template})
    return Tenant.objects.get_config("tn_compose")["v"]


@pytest.mark.parametrize(("template", "expected"), RESULTS)
def test_braced_cases_resolve_as_compose(db, compose_env, config_dir, template, expected):
    assert yaml_value(config_dir, template) == expected
    assert database_value(template) == expected


@pytest.mark.parametrize(("template", "message"), ERRORS)
def test_required_variables_fail_as_compose(db, compose_env, config_dir, template, message):
    with pytest.raises(InterpolationError, match=rf"example\.yaml: at v: {re.escape(message)}$"):
        yaml_value(config_dir, template)
    Tenant.objects.save_config("tn_compose", {"v": template})
    with pytest.raises(InterpolationError, match=rf"^tenant tn_compose: at v: {re.escape(message)}$"):
        Tenant.objects.get_config("tn_compose")


@pytest.mark.parametrize("template", INVALID)
def test_malformed_expressions_are_refused_on_write_and_on_read(db, compose_env, config_dir, template):
    with pytest.raises(InterpolationError, match=r"example\.yaml: at v: malformed expression"):
        yaml_value(config_dir, template)
    with pytest.raises(ValueError, match=r"tenant tn_compose: v: malformed expression"):
        Tenant.objects.save_config("tn_compose", {"v": template})


@pytest.mark.django_db(transaction=True)
def test_messages_for_a_database_miss_served_from_a_file_name_the_file(config_dir, monkeypatch, caplog):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    path = config_dir / "tn_g7h8i9.yaml"
    path.write_text("client:\n  name: G\nprompts:\n  a: ${NOT_SET_ANYWHERE}\n")
    with caplog.at_level(logging.WARNING, logger="tenant_registry"):
        Tenant.objects.get_config("tn_g7h8i9")
    assert f"tenant tn_g7h8i9 ({path}): variable NOT_SET_ANYWHERE is not set" in caplog.text
    path.write_text("client:\n  name: G\nprompts:\n  a: ${NOT_SET_ANYWHERE:?ask ops}\n")
    Tenant.objects.invalidate("tn_g7h8i9")
    with pytest.raises(InterpolationError, match=rf"tenant tn_g7h8i9 \({path}\): at prompts.a: required variable"):
        Tenant.objects.get_config("tn_g7h8i9")


@pytest.mark.parametrize("meta", ["", "_meta: {config_source: yaml}\n"], ids=["database", "served-from-the-file"])
def test_the_import_names_a_required_variable_that_is_unset(db, config_dir, monkeypatch, meta):
    monkeypatch.delenv("TN_G7H8I9_WEBHOOK", raising=False)
    path = config_dir / "tn_g7h8i9.yaml"
    path.write_text(f"{meta}client:\n  name: G\nhooks:\n  url: ${{TN_G7H8I9_WEBHOOK:?ask ops for the hook}}\n")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_tenants", str(path), stdout=out, stderr=err)
    assert out.getvalue().splitlines()[-1] == "Imported: 1 created, 0 updated, 0 unchanged, 0 skipped, 0 failed."
    assert err.getvalue() == (
        f"warning: {path}: tenant tn_g7h8i9: hooks.url: required variable TN_G7H8I9_WEBHOOK is missing a value: "
        "ask ops for the hook (get_config fails until it is set)\n"
    )
    with pytest.raises(InterpolationError, match="required variable TN_G7H8I9_WEBHOOK is missing a value"):
        Tenant.objects.get_config("tn_g7h8i9")
    monkeypatch.setenv("TN_G7H8I9_WEBHOOK", "https://hooks.example/g")
    assert Tenant.objects.get_config("tn_g7h8i9")["hooks"]["url"] == "https://hooks.example/g"
