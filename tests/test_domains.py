"""The Domain model and the host lookup: names, wildcards and their precedence, duplicates refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from tenant_registry.domains import DomainTaken
from tenant_registry.hosts import tenant_for_host
from tenant_registry.hosts.names import candidates
from tenant_registry.models import Domain

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tenants(tenant_factory: Any) -> dict[str, Any]:
    return {name: tenant_factory(name, {"v": name}) for name in ("tn_exact", "tn_near", "tn_far")}


def test_exact_beats_wildcard_and_a_closer_wildcard_beats_a_farther_one(tenants):
    Domain.objects.create(domain="*.example.com", tenant=tenants["tn_far"])
    Domain.objects.create(domain="*.eu.example.com", tenant=tenants["tn_near"])
    Domain.objects.create(domain="shop.eu.example.com", tenant=tenants["tn_exact"])
    assert tenant_for_host("shop.eu.example.com") == "tn_exact"
    assert tenant_for_host("Shop.EU.example.com:443") == "tn_exact"
    assert tenant_for_host("blog.eu.example.com") == "tn_near"
    assert tenant_for_host("a.b.eu.example.com") == "tn_near"
    assert tenant_for_host("blog.example.com") == "tn_far"
    assert tenant_for_host("example.com") is None  # a wildcard covers subdomains only
    assert tenant_for_host("example.org") is None


def test_candidates_go_from_the_host_to_the_farthest_wildcard():
    assert candidates("a.b.example.com") == ["a.b.example.com", "*.b.example.com", "*.example.com", "*.com"]
    assert candidates("localhost") == ["localhost"]


def test_a_duplicate_domain_is_refused_naming_its_tenant(tenants):
    Domain.objects.create(domain="shop.example.com", tenant=tenants["tn_exact"])
    with pytest.raises(DomainTaken, match="domain shop.example.com already belongs to tenant tn_exact"):
        Domain.objects.create(domain="SHOP.example.com.", tenant=tenants["tn_far"])
    assert isinstance(DomainTaken("x"), IntegrityError)
    with pytest.raises(ValidationError, match="This domain already belongs to a tenant"):
        Domain(domain="Shop.Example.com", tenant=tenants["tn_far"]).full_clean()
    assert list(Domain.objects.values_list("domain", "tenant_id")) == [("shop.example.com", "tn_exact")]


@pytest.mark.parametrize(
    "bad", ["", "-shop.example.com", "shop..example.com", "*.*.example.com", "a b.com", "ex_ample.com", "*"]
)
def test_a_malformed_domain_is_refused(tenants, bad):
    with pytest.raises(ValidationError, match="is not a valid domain"):
        Domain.objects.create(domain=bad, tenant=tenants["tn_exact"])
    assert not Domain.objects.exists()


def test_names_are_stored_lowercase_without_a_trailing_dot(tenants):
    domain = Domain.objects.create(domain=" Shop.Example.COM. ", tenant=tenants["tn_exact"])
    assert Domain.objects.get(pk=domain.pk).domain == "shop.example.com"


def test_a_lookup_is_cached_and_a_save_in_a_transaction_is_seen_by_its_writer_only(
    tenants, django_assert_num_queries, own_cache
):
    from django.db import transaction

    from .helpers import wait_live

    wait_live()
    Domain.objects.create(domain="shop.example.com", tenant=tenants["tn_exact"])
    assert tenant_for_host("shop.example.com") == "tn_exact"
    with django_assert_num_queries(0):
        assert tenant_for_host("shop.example.com") == "tn_exact"
    with transaction.atomic():
        Domain.objects.filter(domain="shop.example.com").get().delete()
        assert tenant_for_host("shop.example.com") is None  # the writer sees its own change
    assert tenant_for_host("shop.example.com") is None  # and everyone once it committed
