"""A miss reads its row with a statement prepared once per PostgreSQL session (outside
transactions), prepares it again when the session lost it, and uses the plain SELECT inside a
transaction, where a failed statement would abort the caller's work."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tenant_registry.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True)


def _miss(tenant_id: str) -> str:
    """The SQL of the one query a miss of ``tenant_id`` sends."""
    Tenant.objects.invalidate(tenant_id)
    with CaptureQueriesContext(connection) as queries:
        assert Tenant.objects.get_config(tenant_id)["client"]["name"] == tenant_id
    assert len(queries) == 1
    return queries[0]["sql"]


@pytest.fixture
def tenants(tenant_factory: Any) -> list[str]:
    ids = ["tn_row_a", "tn_row_b", "tn_row_c"]
    for tenant_id in ids:
        tenant_factory(tenant_id, {"client": {"name": tenant_id}})
    connection.close()  # a new session: nothing prepared yet
    return ids


def test_a_session_prepares_the_select_once_then_executes_it(tenants: list[str]) -> None:
    first, second, third = (_miss(tenant_id) for tenant_id in tenants)
    assert first.startswith("PREPARE ") and "EXECUTE " in first
    assert second.startswith("EXECUTE ") and "'tn_row_b'" in second
    assert third.startswith("EXECUTE ") and "'tn_row_c'" in third


def test_a_session_that_lost_the_statement_prepares_it_again(tenants: list[str]) -> None:
    _miss(tenants[0])
    with connection.cursor() as cursor:
        cursor.execute("DISCARD ALL")
    Tenant.objects.invalidate(tenants[1])
    with CaptureQueriesContext(connection) as queries:
        assert Tenant.objects.get_config(tenants[1])["client"]["name"] == tenants[1]
    assert [q["sql"].split()[0] for q in queries] == ["EXECUTE", "PREPARE"]
    assert _miss(tenants[2]).startswith("EXECUTE ")


def test_a_session_that_already_holds_the_statement_executes_it_from_then_on(tenants: list[str]) -> None:
    """A pooler hands a client a server session where another client prepared the statement."""
    statement = _miss(tenants[0]).split("; EXECUTE")[0]
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(statement)  # the next miss's PREPARE finds it there
    Tenant.objects.invalidate(tenants[1])
    with CaptureQueriesContext(connection) as queries:
        assert Tenant.objects.get_config(tenants[1])["client"]["name"] == tenants[1]
    assert [q["sql"].split()[0] for q in queries] == ["PREPARE", "EXECUTE"]
    assert _miss(tenants[2]).startswith("EXECUTE ")


def test_inside_a_transaction_the_plain_select_is_used_and_the_transaction_stays_usable(
    tenants: list[str],
) -> None:
    _miss(tenants[0])
    with connection.cursor() as cursor:
        cursor.execute("DISCARD ALL")  # an EXECUTE would now fail and abort the transaction
    with transaction.atomic():
        assert _miss(tenants[1]).startswith("SELECT ")
        assert Tenant.objects.filter(pk=tenants[2]).exists()
