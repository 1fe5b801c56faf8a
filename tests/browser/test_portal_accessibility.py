"""Accessibility smoke check of a clinic's portal in a real browser: axe-core finds no serious or critical
violation, each page has one first-level heading and no skipped heading level, every form control has a
label, and buttons in the brand colour keep 4.5:1 contrast even when the clinic picks a pale colour."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled
from playwright.sync_api import Page, expect

from portal_site.models import ClinicHomePage, PortalSettings
from portal_site.theme import MIN_CONTRAST, NEUTRAL_DARK
from tests.factories import PASSWORD, link_patient_login, make_user

from .helpers import axe_violations, format_violations
from .test_portal import booking_day, make_bookable, portal

PALE_BRAND = "#ffeb3b"

STRUCTURE = """() => {
  const headings = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => Number(h.tagName[1]));
  const skipped = headings.filter((level, i) => i > 0 && level > headings[i - 1] + 1);
  const unlabelled = [...document.querySelectorAll('input:not([type=hidden]),select,textarea')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map(el => el.name || el.outerHTML.slice(0, 80));
  return {h1: headings.filter(l => l === 1).length, skipped, unlabelled};
}"""

CONTRAST = """(selector) => {
  const rgb = value => value.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const c = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b);
  };
  return [...document.querySelectorAll(selector)].map(el => {
    const style = getComputedStyle(el);
    const [a, b] = [lum(rgb(style.backgroundColor)), lum(rgb(style.color))];
    return {text: el.textContent.trim(), background: style.backgroundColor,
            ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
  });
}"""


def hex_to_rgb(value: str) -> str:
    r, g, b = (int(value[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def check(page: Page, name: str, found: dict) -> None:
    problems = {}
    violations = axe_violations(page)
    if violations:
        problems["axe"] = violations
    structure = page.evaluate(STRUCTURE)
    if structure["h1"] != 1:
        problems["h1 count"] = structure["h1"]
    if structure["skipped"]:
        problems["skipped heading levels"] = structure["skipped"]
    if structure["unlabelled"]:
        problems["unlabelled controls"] = structure["unlabelled"]
    low = [b for b in page.evaluate(CONTRAST, ".btn:not(.secondary)") if b["ratio"] < MIN_CONTRAST]
    if low:
        problems["low-contrast buttons"] = low
    if problems:
        found[name] = problems


def test_portal_pages_pass_the_accessibility_smoke_check(new_context, alpha, screenshot):
    service = make_bookable(alpha, "instant")
    with scopes_disabled():
        PortalSettings.objects.filter(organization=alpha.org).update(brand_colour=PALE_BRAND)
    with scope(organization=alpha.org.pk):
        home = ClinicHomePage.objects.get(clinic=alpha.clinic)
        home.body = [
            ("booking_widget", {"heading": "Book online", "text": "Pick a service and a day."}),
            ("opening_hours", {"heading": "When we are open", "show_closures": True}),
            ("price_list", {"heading": "Prices", "intro": ""}),
        ]
        home.save_revision().publish()
        user = make_user("erin-a11y@alpha.test")
        link_patient_login(alpha.patient, user)
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    page = new_context().new_page()
    base = portal(alpha)
    found: dict = {}
    day = booking_day(alpha)
    for name, path in [
        ("home with module blocks", base),
        ("contact", f"{base}contact"),
        ("services", f"{base}services"),
        ("team", f"{base}team"),
        ("booking", f"{base}booking?service={service.pk}&practitioner=any&date={day.isoformat()}"),
        ("sign in", f"{base}account/login/"),
        ("register", f"{base}account/register/"),
        ("new confirmation link", f"{base}account/resend-link/"),
    ]:
        page.goto(path)
        check(page, name, found)
    page.goto(base)
    screenshot(page, "portal_a11y_home_pale_brand.png")
    # The pale brand colour falls back to the dark neutral on buttons.
    button = page.get_by_role("button", name="See free times")
    expect(button).to_have_css("background-color", hex_to_rgb(NEUTRAL_DARK))
    expect(page.get_by_role("heading", name="When we are open", level=2)).to_be_visible()

    page.goto(f"{base}account/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in", level=1)).to_be_visible()
    check(page, "two-factor step", found)
    screenshot(page, "portal_a11y_two_factor.png")

    assert not found, format_violations(found)


pytestmark = pytest.mark.django_db(transaction=True)
