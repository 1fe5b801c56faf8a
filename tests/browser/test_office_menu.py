"""The office's navigation on a phone folds into a menu button, so a page (the calendar, say) starts near
the top instead of below a screenful of links; on a desktop the navigation stays in view beside the page.
The menu opens without any script."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import sign_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

pytestmark = pytest.mark.django_db(transaction=True)


def calendar_url(tenant) -> str:
    return f"/office/c/{tenant.clinic.slug}/scheduling/"


@pytest.mark.parametrize("script", [True, False], ids=["with-script", "without-script"])
def test_on_a_phone_the_calendar_starts_near_the_top_and_the_menu_opens(
    browser, live_server, alpha, screenshot, script
):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, java_script_enabled=script)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page, alpha.staff.email)
        page.goto(calendar_url(alpha))
        heading = page.get_by_role("heading", name="Calendar", level=1)
        expect(heading).to_be_visible()
        if script:
            screenshot(page, "office_menu_phone_closed.png")
        assert heading.bounding_box()["y"] < 160, (
            heading.bounding_box()
        )  # below the header and its search box
        nav = page.get_by_test_id("main-nav")
        expect(nav).to_be_hidden()

        page.get_by_text("Menu", exact=True).click()

        expect(nav).to_be_visible()
        expect(page.get_by_test_id("clinic-switcher")).to_be_visible()
        if script:
            screenshot(page, "office_menu_phone_open.png")
        nav.get_by_role("link", name="Today").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    finally:
        context.close()


def test_on_a_desktop_the_navigation_stays_in_view(new_context, alpha, screenshot):
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, alpha.staff.email)
    page.goto(calendar_url(alpha))
    nav = page.get_by_test_id("main-nav")
    expect(nav.get_by_role("link", name="Calendar")).to_be_visible()
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    box = nav.bounding_box()
    heading = page.get_by_role("heading", name="Calendar", level=1).bounding_box()
    assert box["x"] + box["width"] <= heading["x"], "the navigation sits beside the page"
    screenshot(page, "office_menu_desktop.png")
