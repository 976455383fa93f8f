"""Browser tests: pytest-playwright driving Debian's Chromium (no browser download) against live_server."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from it are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
_taken: list[Path] = []


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.exit(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`", returncode=3)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """Save a full-page screenshot under artifacts/screenshots/ (listed at the end of the run)."""

    def take(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        _taken.append(target)
        return target

    return take


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _taken:
        terminalreporter.section("screenshots")
        for path in _taken:
            terminalreporter.write_line(str(path))


@pytest.fixture
def login(live_server: Any, page: Any) -> Callable[[str, str], Any]:
    def log_in(username: str, password: str = "pw") -> Any:
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_selector("#user-tools")
        return page

    return log_in


def editor_text(page: Any) -> str:
    """The text in the config editor, as the editor holds it."""
    text: str = page.evaluate("window.trEditor.state.doc.toString()")
    return text


def set_editor(page: Any, text: str) -> None:
    """Replace the editor's text as an operator would: select all, then type (paste-like insert)."""
    page.locator(".tr-editor .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)
    assert page.locator("textarea[name=config]").input_value() == text
