"""Browser tests: Debian's chromium driven through Playwright's sync API against pytest-django's live server.

Every test here uses ``live_server`` (and so a transactional database): the browser talks to a server
thread, and the test reads what that thread wrote (rows, ``mail.outbox``) from the same process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from .helpers import CHROMIUM, CHROMIUM_ARGS, DESKTOP

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.ehr_call_failed = report.failed
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `bash scripts/bootstrap.sh test` installs it")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for stale in SCREENSHOTS.glob("failed-*.png"):
        stale.unlink()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def emailed_links_reach_the_live_server(settings, live_server):
    """Emailed links start at the platform's base address; here that is the test's live server, so the
    browser can follow them."""
    settings.EHR_BASE_URL = settings.WAGTAILADMIN_BASE_URL = live_server.url


@pytest.fixture
def new_context(request, browser: Browser, live_server) -> Iterator[Callable[..., BrowserContext]]:
    """Open extra browser contexts (separate cookie jars: another person at another computer)."""
    opened: list[BrowserContext] = []

    def open_context(viewport: dict | None = None) -> BrowserContext:
        context = browser.new_context(viewport=viewport or DESKTOP, base_url=live_server.url)
        context.set_default_timeout(10_000)
        opened.append(context)
        return context

    yield open_context
    if getattr(request.node, "ehr_call_failed", False):  # what each browser showed when the test failed
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for n, context in enumerate(opened):
            for m, open_page in enumerate(context.pages):
                open_page.screenshot(path=str(SCREENSHOTS / f"failed-{request.node.name}-{n}-{m}.png"))
    for context in opened:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Page, str], Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / name
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
