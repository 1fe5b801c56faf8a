"""Signing in, what a staff member is shown, keyboard use and the tablet layout."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .helpers import TABLET, sign_in

OWNER_ONLY_SETTINGS = ("Organization", "Clinics", "Members", "Audit log")


def test_wrong_password_shows_the_error(page: Page, alpha):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(alpha.owner.email)
    page.get_by_label("Password").fill("not-the-right-password")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign in").click()

    assert answer.value.status == 400
    expect(page.get_by_role("alert")).to_have_text("The email or password is not correct.")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_label("Email")).to_have_value(alpha.owner.email)
    expect(page.get_by_label("Password")).to_have_value("")


def test_staff_does_not_see_the_owner_settings(new_context, alpha):
    staff = new_context().new_page()
    sign_in(staff, alpha.staff.email)
    nav = staff.get_by_test_id("main-nav")
    expect(nav.get_by_role("link", name="Patients")).to_be_visible()
    for label in OWNER_ONLY_SETTINGS:
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)

    owner = new_context().new_page()
    sign_in(owner, alpha.owner.email)
    for label in OWNER_ONLY_SETTINGS:
        expect(owner.get_by_test_id("main-nav").get_by_role("link", name=label, exact=True)).to_be_visible()


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName,
    text: el.textContent.trim(),
    href: el.getAttribute("href"),
    inMain: !!el.closest("main"),
    outline: [style.outlineStyle, parseFloat(style.outlineWidth), style.outlineColor],
  };
}"""
RING = ["solid", 2.0, "rgb(37, 99, 235)"]


def focus_ring(page: Page) -> list:
    """The focused element's outline once its colour transition (``transition-colors``) has settled."""
    try:
        page.wait_for_function(
            "c => getComputedStyle(document.activeElement).outlineColor === c", arg=RING[2], timeout=2000
        )
    except PlaywrightTimeoutError:
        pass
    return page.evaluate(FOCUSED)["outline"]


def test_keyboard_skip_link_and_focus_rings(page: Page, alpha):
    sign_in(page, alpha.staff.email)
    page.goto("/office/patients/")

    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert (focused["text"], focused["href"]) == ("Skip to content", "#main"), focused
    assert focus_ring(page) == RING, focused
    box = page.get_by_role("link", name="Skip to content").bounding_box()
    assert box["width"] > 40 and box["height"] > 16, box  # shown on focus, no longer screen-reader-only

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["inMain"], "the skip link should move keyboard focus into the main content"

    for _ in range(15):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "BUTTON":
            break
    assert focused["tag"] == "BUTTON", focused
    assert focus_ring(page) == RING, focused


OVERFLOWING_CARDS = """() => {
  const clips = el => ["auto", "scroll", "hidden"].includes(getComputedStyle(el).overflowX);
  const found = [];
  for (const el of document.querySelectorAll("main .card *")) {
    const card = el.closest(".card");
    let clipped = clips(card);
    for (let p = el.parentElement; p && p !== card && !clipped; p = p.parentElement) clipped = clips(p);
    const r = el.getBoundingClientRect(), c = card.getBoundingClientRect();
    if (!clipped && r.width && (r.right > c.right + 1 || r.left < c.left - 1)) {
      found.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}"`);
    }
  }
  return found.slice(0, 5);
}"""


def test_tablet_layout_shows_navigation_without_horizontal_scrolling(new_context, alpha):
    page = new_context(viewport=TABLET).new_page()
    sign_in(page, alpha.owner.email)
    for path in (
        "/office/",
        "/office/patients/",
        f"/office/patients/{alpha.patient.pk}/",
        "/office/settings/members/",
    ):
        page.goto(path)
        nav = page.get_by_test_id("main-nav")
        for label in ("Dashboard", "Patients", "Members"):
            expect(nav.get_by_role("link", name=label, exact=True)).to_be_in_viewport()
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll_width <= TABLET["width"], (path, scroll_width)
        assert page.evaluate(OVERFLOWING_CARDS) == [], path

    page.goto("/office/patients/")
    assert page.get_by_role("searchbox", name="Search", exact=True).bounding_box()["width"] >= 200
