"""Tenants served from YAML files in the admin: listed, searchable, filterable, read-only, broken files visible."""

from __future__ import annotations

import os
import re

from django.core.management import call_command

from tenant_registry.models import Tenant

from .pages import change, changelist, text

YAML_ONLY = ("africastay", "beachresorts", "example", "safariexplore-kvph", "safarirun-t0vc")


def listed(response) -> list[str]:
    """The tenant ids in the change list, in order."""
    table = response.content.decode().split('id="result_list"', 1)[-1]
    return re.findall(r'class="field-id"><a href="[^"]*">([^<]+)</a>', table)


def test_every_tenant_is_in_the_change_list_and_file_ones_are_marked(staff_client, acme):
    response = staff_client("view").get(changelist())
    ids = listed(response)
    assert ids[0] == "tn_acme"
    assert set(ids[1:]) == {*YAML_ONLY, "tn_a1b2c3", "tn_d4e5f6", "tn_g7h8i9"}
    body = text(response)
    assert body.count("YAML file only") == 8 + 1  # eight rows, and the filter's choice
    assert "8 tenants read only from YAML files are listed after the database rows" in body


def test_file_tenants_are_found_by_id_or_by_the_name_in_their_file(admin_client, acme):
    assert listed(admin_client.get(changelist(), {"q": "africa"})) == ["africastay"]
    assert listed(admin_client.get(changelist(), {"q": "kilimanjaro"})) == ["tn_a1b2c3"]
    assert listed(admin_client.get(changelist(), {"q": "acme"})) == ["tn_acme"]


def test_the_source_filter_says_what_each_choice_means(admin_client, acme, tenant_factory):
    tenant_factory("tn_a1b2c3", {}, config_source="yaml")
    body = text(admin_client.get(changelist()))
    for label in ("Database (edited here)", "YAML file, with a database row", "YAML file only (read-only)"):
        assert label in body
    assert listed(admin_client.get(changelist(), {"source": "database"})) == ["tn_acme"]
    assert listed(admin_client.get(changelist(), {"source": "yaml"})) == ["tn_a1b2c3"]
    only = listed(admin_client.get(changelist(), {"source": "yaml-only"}))
    assert "tn_acme" not in only and "tn_a1b2c3" not in only and "africastay" in only
    assert listed(admin_client.get(changelist(), {"status__exact": "suspended"})) == []


def test_a_yaml_only_tenant_opens_read_only_with_its_file_and_masked_config(
    staff_client, config_dir, monkeypatch, settings
):
    monkeypatch.setenv("OPENAI_KEY_AFRICASTAY", "sk-africastay-0123456789abcd")
    monkeypatch.delenv("SUPABASE_ANON_KEY_AFRICASTAY", raising=False)
    response = staff_client("view", "change").get(change("africastay"))
    assert response.status_code == 200
    body = text(response)
    assert "africastay: YAML-only tenant (read-only)" in body
    assert str(config_dir / "africastay.yaml") in body
    assert "parses" in body and "Parse error" not in body
    assert '"name": "Africa Stay"' in body
    assert "sk-africastay-0123456789abcd" not in body
    assert '"api_key": <span class="tr-badge tr-badge-secret">set, masked sk-…abcd</span>' in body
    for control in ("<textarea", 'id="tenant_form"', 'name="_save"', "historylink"):
        assert control not in body, control


def test_a_broken_file_is_visible_in_the_list_and_on_its_page(admin_client, config_dir):
    (config_dir / "africastay.yaml").write_text("client:\n  name: Africa Stay\n  name: twice\n")
    row = text(admin_client.get(changelist(), {"q": "africastay"}))
    assert f"title=\"{config_dir / 'africastay.yaml'}:3: duplicate key 'name'\">file error" in row
    body = text(admin_client.get(change("africastay")))
    assert f"Parse error: {config_dir / 'africastay.yaml'}:3: duplicate key 'name'" in body


def test_a_missing_yaml_only_file_is_reported(admin_client, config_dir):
    (config_dir / "beachresorts.yaml").unlink()
    body = text(admin_client.get(change("beachresorts")))
    assert f"Parse error: {config_dir / 'beachresorts.yaml'} does not exist" in body


def test_posting_to_a_file_tenant_writes_nothing(admin_client, config_dir):
    before = (config_dir / "africastay.yaml").read_text()
    response = admin_client.post(change("africastay"), {"name": "x", "config": "{}", "expected_version": "1"})
    assert response.status_code == 200
    assert (config_dir / "africastay.yaml").read_text() == before
    assert not Tenant.objects.filter(pk="africastay").exists()


def test_an_imported_tenant_is_a_database_row_and_no_longer_listed_as_file_only(admin_client, config_dir):
    call_command("import_tenants", str(config_dir / "tn_a1b2c3.yaml"), verbosity=0)
    assert listed(admin_client.get(changelist(), {"q": "tn_a1b2c3"})) == ["tn_a1b2c3"]
    assert "<textarea" in text(admin_client.get(change("tn_a1b2c3")))


def test_the_change_list_queries_do_not_grow_with_the_rows(admin_client, tenant_factory):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(changelist()).status_code == 200
        return len(queries)

    tenant_factory("tn_one", {})
    few = count()
    for index in range(12):
        tenant_factory(f"tn_more{index}", {}, config_source="yaml" if index % 2 else "database")
    assert count() == few


def test_a_file_tenant_whose_id_looks_like_an_admin_escape_opens_its_own_page(admin_client, config_dir):
    # The admin unquotes ids in its URLs: "_40" would otherwise come back as "@".
    (config_dir / "tn_40ab.yaml").write_text("client:\n  name: Forty\n")
    body = admin_client.get(changelist(), {"q": "forty"}).content.decode()
    (link,) = re.findall(r'class="field-id"><a href="([^"]*)">tn_40ab</a>', body)
    response = admin_client.get(link)
    assert response.status_code == 200
    assert "tn_40ab: YAML-only tenant (read-only)" in text(response)


def test_search_terms_match_file_tenants_as_they_match_rows(admin_client, acme):
    assert listed(admin_client.get(changelist(), {"q": "stay africa"})) == ["africastay"]
    assert listed(admin_client.get(changelist(), {"q": '"africa stay"'})) == ["africastay"]
    assert listed(admin_client.get(changelist(), {"q": "africa acme"})) == []


def test_filter_counts_and_the_total_include_the_file_tenants(admin_client, acme):
    def plain(params) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(admin_client.get(changelist(), params))))

    counted = plain({"_facets": "True"})
    for choice in ("Active (9)", "Database (edited here) (1)", "YAML file only (read-only) (8)"):
        assert choice in counted, choice
    assert "1 database tenant, 8 read only from YAML files" in counted
    searched = plain({"_facets": "True", "q": "safari"})
    assert "Active (2)" in searched and "YAML file only (read-only) (2)" in searched
    assert "0 database tenants, 2 read only from YAML files" in searched
    assert "YAML file only (read-only) (0)" in plain({"_facets": "True", "status__exact": "suspended"})


def test_a_broken_file_still_says_when_it_changed(admin_client, config_dir):
    broken = config_dir / "africastay.yaml"
    broken.write_text("client:\n  name: [Africa Stay\n")
    os.utime(broken, (1767323040, 1767323040))  # 2026-01-02 03:04 UTC
    body = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(admin_client.get(change("africastay")))))
    assert "Modified 2026-01-02 03:04 UTC (file) Parsed Parse error:" in body
    assert "2026-01-02 03:04 UTC (file)" in text(admin_client.get(changelist(), {"q": "africastay"}))
