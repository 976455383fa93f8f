"""axe-core (pinned, vendored from npm) on every admin page of the app, at desktop and phone width, plus overflow."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tenant_registry.models import Tenant
from tenant_registry.secret_store.writes import set_secret

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "375px": {"width": 375, "height": 812}}
BLOCKING = ("serious", "critical")
CONFIG = {
    "client": {"name": "Kruger Trails", "timezone": "Africa/Johannesburg"},
    "infrastructure": {"openai": {"model": "gpt-4o-mini", "api_key": "${OPENAI_API_KEY}"}},
    "prompts": {"greeting": "Welcome to a very long greeting that must wrap on a narrow screen " * 3},
}


@pytest.fixture
def pages(db, monkeypatch, secret_store):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-0123456789abcdef9f2c")
    User.objects.create_superuser("ops", "ops@example.com", "pw")
    Tenant.objects.save_config("tn_kruger", CONFIG, name="Kruger Trails")
    Tenant.objects.save_config("tn_kruger", {**CONFIG, "client": {"name": "Renamed", "timezone": "UTC"}})
    set_secret("tn_kruger", "infrastructure.openai.api_key", "sk-stored-0123456789abcdef")
    first = Tenant.history.filter(id="tn_kruger").earliest()
    base = "/admin/tenant_registry/tenant"
    return {
        "changelist": f"{base}/",
        "change-form": f"{base}/tn_kruger/change/",
        "yaml-only": f"{base}/africastay/change/",
        "history": f"{base}/tn_kruger/history/",
        "restore-confirm": f"{base}/tn_kruger/history/{first.history_id}/restore/",
        "stored-secrets": f"{base}/tn_kruger/secrets/",
    }


def blocking_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scrolling)."""
    width: int = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return width


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize(
    "name", ["changelist", "change-form", "yaml-only", "history", "restore-confirm", "stored-secrets"]
)
def test_no_serious_violation_and_no_horizontal_overflow(live_server, login, pages, screenshot, name, width):
    page = login("ops")
    page.set_viewport_size(WIDTHS[width])
    page.goto(f"{live_server.url}{pages[name]}")
    page.wait_for_load_state("networkidle")
    screenshot(page, f"{name}-{width}")
    assert blocking_violations(page) == []
    assert overflow(page) == 0
