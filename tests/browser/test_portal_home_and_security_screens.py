"""Screens stored at 1366×900 and 390×844 for review: a new clinic's portal home page (team, hours, prices,
address) and its "Book with" link into the booking page; setting up two-factor sign-in with its recovery
codes; and the page an old link to a switched-off module opens."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from core.tenancy.models import Clinic, Membership
from core.tenancy.services import set_module_enabled
from tests.test_accounts import code_for

from .helpers import axe_violations, format_violations, sign_in
from .test_portal import make_bookable, portal

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def both_sizes(page, screenshot, name: str) -> None:
    page.set_viewport_size(WIDE)
    screenshot(page, f"{name}-1366.png")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390.png")
    page.set_viewport_size(WIDE)


def test_portal_home_page_and_booking_with_a_practitioner(new_context, alpha, screenshot):
    make_bookable(alpha)
    doctor = alpha.memberships["practitioner"]
    with scopes_disabled():
        Clinic.objects.filter(pk=alpha.clinic.pk).update(
            address_line1="120 Main Street",
            postal_code="10001",
            city="New York",
            country="US",
            phone="+1 212 555 0100",
            email="downtown@alpha.test",
        )
        Membership.objects.filter(pk=doctor.pk).update(
            display_name="Daniel Adams",
            title="Dr.",
            specialty="Family medicine",
            languages="English, Spanish",
        )
    page = new_context(WIDE).new_page()
    page.goto(portal(alpha))
    expect(page.get_by_role("heading", name=alpha.clinic.name, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Our team")).to_be_visible()
    expect(page.get_by_role("heading", name="Opening hours")).to_be_visible()
    expect(page.get_by_role("cell", name="Physio assessment")).to_be_visible()
    expect(page.get_by_role("link", name="Alpha Downtown on OpenStreetMap")).to_be_visible()
    both_sizes(page, screenshot, "portal-home")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)

    page.get_by_role("link", name="Book with Dr. Daniel Adams").click()
    expect(page.get_by_text("Booking with Dr. Daniel Adams.")).to_be_visible()
    page.get_by_label("Physio assessment").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_label("Practitioner")).to_have_value(str(doctor.pk))
    both_sizes(page, screenshot, "portal-booking-with-practitioner")


def test_two_factor_enrolment_shows_the_recovery_codes(new_context, alpha, screenshot):
    page = new_context(WIDE).new_page()
    sign_in(page, alpha.owner.email)
    page.goto("/accounts/security/two-factor/")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    both_sizes(page, screenshot, "two-factor-setup")
    with scopes_disabled():
        device = TOTPDevice.objects.get(user=alpha.owner)
    page.get_by_label("6-digit code from your authenticator app").fill(code_for(device))
    page.get_by_role("button", name="Verify and continue").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(10)
    both_sizes(page, screenshot, "two-factor-recovery-codes")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


def test_an_old_link_to_a_switched_off_module(new_context, alpha, screenshot):
    with scopes_disabled():
        set_module_enabled(alpha.clinic, "billing", False)
    page = new_context(WIDE).new_page()
    sign_in(page, alpha.owner.email)
    response = page.goto(f"/office/c/{alpha.clinic.slug}/billing/")
    assert response.status == 404
    expect(page.get_by_text(f"Billing is switched off for {alpha.clinic.name}")).to_be_visible()
    both_sizes(page, screenshot, "module-switched-off")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
