"""The change list's cache block: the breaker and the hit/miss counts the metrics report, to those who may view."""

from __future__ import annotations

from typing import Any

import pytest

from tenant_registry.models import Tenant

from .pages import changelist

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_change_list_shows_the_cache_state_to_those_who_may_view(registry_config: Any, staff_client: Any) -> None:
    registry_config(METRICS="prometheus")
    Tenant.objects.save_config("tn_adm", {"client": {}})
    Tenant.objects.get_config("tn_adm")
    page = staff_client("view").get(changelist())
    assert page.status_code == 200
    text = page.content.decode()
    assert 'aria-label="Cache state"' in text and "breaker closed" in text
    assert "misses " in text and "hits " in text
    assert staff_client(username="nobody").get(changelist()).status_code == 403


def test_the_change_list_says_when_metrics_are_off(staff_client: Any) -> None:
    text = staff_client("view").get(changelist()).content.decode()
    assert "breaker closed" in text and "hit and miss counts need" in text
