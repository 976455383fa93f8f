"""An in-process hit reuses the answer it last resolved only while everything that answer read is
unchanged: each variable it looked up, and the settings. Every caller gets a private copy."""

from __future__ import annotations

from typing import Any

import pytest

from tenant_registry.models import Tenant

from .helpers import commands, wait_live

pytestmark = pytest.mark.django_db(transaction=True)

CONFIG = {
    "client": {"name": "Memo", "line": "call ${MEMO_LINE:-nobody}"},
    "infrastructure": {"openai": {"model": "m"}},
}


@pytest.fixture
def l1_hits(redis_server: Any, use_cache: Any, registry_config: Any, django_assert_num_queries: Any) -> Any:
    """Read ``tn_memo`` through a live in-process tier: no query and no Redis command per read."""
    use_cache(redis_server.url)
    registry_config(ENV_ALLOW=["MEMO_*"])
    Tenant.objects.save_config("tn_memo", CONFIG)
    local = wait_live()
    Tenant.objects.get_config("tn_memo")
    assert "tn_memo" in local
    client = redis_server.client()

    def read() -> dict[str, Any]:
        before = commands(client)
        with django_assert_num_queries(0):
            config = Tenant.objects.get_config("tn_memo")
        assert commands(client) == before
        assert config is not None
        return config

    return read


def test_a_referenced_variable_set_changed_or_removed_between_hits_is_read_at_once(
    l1_hits: Any, monkeypatch: Any
) -> None:
    monkeypatch.delenv("MEMO_LINE", raising=False)
    assert l1_hits()["client"]["line"] == "call nobody"
    assert l1_hits()["client"]["line"] == "call nobody"
    monkeypatch.setenv("MEMO_LINE", "+1 555")
    assert l1_hits()["client"]["line"] == "call +1 555"
    monkeypatch.setenv("MEMO_LINE", "+1 777")
    assert l1_hits()["client"]["line"] == "call +1 777"
    monkeypatch.delenv("MEMO_LINE")
    assert l1_hits()["client"]["line"] == "call nobody"


def test_a_secret_filled_from_the_environment_follows_the_tenant_and_global_variables(
    l1_hits: Any, monkeypatch: Any
) -> None:
    monkeypatch.delenv("TN_MEMO_OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-global")
    assert l1_hits()["infrastructure"]["openai"]["api_key"] == "sk-global"
    monkeypatch.setenv("TN_MEMO_OPENAI_API_KEY", "sk-own")
    assert l1_hits()["infrastructure"]["openai"]["api_key"] == "sk-own"
    monkeypatch.delenv("TN_MEMO_OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_API_KEY")
    assert "api_key" not in l1_hits()["infrastructure"]["openai"]


def test_an_allow_rule_taken_back_applies_to_the_next_hit(l1_hits: Any, monkeypatch: Any, settings: Any) -> None:
    monkeypatch.setenv("MEMO_LINE", "+1 555")
    assert l1_hits()["client"]["line"] == "call +1 555"
    settings.TENANT_REGISTRY = {**settings.TENANT_REGISTRY, "ENV_ALLOW": []}
    assert Tenant.objects.get_config("tn_memo")["client"]["line"] == "call nobody"


def test_every_hit_is_a_private_copy(l1_hits: Any) -> None:
    first = l1_hits()
    first["client"]["name"] = "changed by a caller"
    first["infrastructure"].clear()
    second = l1_hits()
    assert second["client"]["name"] == "Memo"
    assert second["infrastructure"] == {"openai": {"model": "m"}}
    assert second is not l1_hits()
