"""The clinics' portal sites in a real browser: editing a page in the CMS and seeing it live, a new patient
booking, rescheduling and cancelling (with the front desk's calendar following each step), approval-mode
requests, a phone-sized run of the booking, and axe-core on the public pages."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import Page, expect

from core.patients.models import PatientAccount
from portal_site.models import ClinicHomePage

from .helpers import axe_violations, format_violations, sign_in

PHONE = {"width": 390, "height": 844}
VERIFY_URL = re.compile(r"https?://\S+/account/verify/\S+/")
PATIENT = {"given": "Nora", "family": "Newcomer", "born": "1991-03-14", "email": "nora@example.test"}
PASSWORD = "nora-portal-pass-2024"


def make_bookable(tenant, mode: str = "instant"):
    from plugins.scheduling.models import BookingPolicy
    from plugins.scheduling.services.catalogue import create_service
    from plugins.scheduling.services.working_time import add_working_hours

    clinic = tenant.clinic
    practitioner = tenant.memberships["practitioner"]
    with scopes_disabled():
        service = create_service(
            clinic, practitioners=[practitioner], name="Physio assessment", duration_minutes=45, price=60
        )
        for weekday in range(7):
            add_working_hours(
                clinic, practitioner, weekday=weekday, start_time=time(8, 0), end_time=time(18, 0)
            )
        BookingPolicy.objects.create(
            organization=tenant.org, clinic=clinic, online_mode=mode, min_notice_minutes=60
        )
    return service


def booking_day(tenant):
    return (timezone.now() + timedelta(days=2)).astimezone(tenant.clinic.tzinfo).date()


def portal(tenant) -> str:
    return f"/c/{tenant.clinic.slug}/"


def book_as_new_patient(page: Page, tenant, screenshot, prefix: str) -> None:
    """Visit the portal, pick the service, anyone, a day and the first time, register, confirm the email and
    confirm the booking."""
    page.goto(portal(tenant))
    expect(page.get_by_role("heading", name=tenant.clinic.name, level=1)).to_be_visible()
    screenshot(page, f"{prefix}_home.png")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Book an appointment").click()
    page.get_by_label(re.compile("Physio assessment")).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Practitioner").select_option("any")
    page.get_by_label("Day").fill(booking_day(tenant).isoformat())
    page.get_by_role("button", name="Show free times").click()
    expect(
        page.get_by_text(f"Times are in the clinic's time zone ({tenant.clinic.timezone})")
    ).to_be_visible()
    screenshot(page, f"{prefix}_booking.png")
    page.locator(".slots a").first.click()
    page.get_by_role("link", name="I am new: create an account").click()
    page.get_by_label("Given name").fill(PATIENT["given"])
    page.get_by_label("Family name").fill(PATIENT["family"])
    page.get_by_label("Date of birth").fill(PATIENT["born"])
    page.get_by_label("Email").fill(PATIENT["email"])
    page.get_by_label("Password").fill(PASSWORD)
    expect(page.get_by_test_id("privacy-notice")).to_be_visible()
    page.get_by_label("I have read the privacy notice above and agree to it").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    link = VERIFY_URL.search(mail.outbox[-1].body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Confirm your appointment")).to_be_visible()
    screenshot(page, f"{prefix}_confirm.png")


def front_desk_sees(desk: Page, tenant, status: str | None, count: int = 1) -> None:
    desk.goto(f"/office/c/{tenant.clinic.slug}/scheduling/?date={booking_day(tenant).isoformat()}")
    cards = desk.locator("[data-appointment]")
    if status is None:
        expect(desk.locator('[data-appointment][data-status="booked"]')).to_have_count(0)
        return
    expect(desk.locator(f'[data-appointment][data-status="{status}"]')).to_have_count(count)
    assert cards.count() >= count


def test_staff_edits_home_page_in_cms_and_beta_editor_cannot_reach_it(new_context, alpha, beta, screenshot):
    with scopes_disabled():
        home = ClinicHomePage.objects.get(clinic=alpha.clinic)
    editor = new_context().new_page()
    sign_in(editor, alpha.staff.email)
    editor.goto(f"/cms/pages/{home.pk}/edit/")
    expect(editor.get_by_role("heading", name=re.compile(alpha.clinic.name))).to_be_visible()
    body = editor.locator('[data-contentpath="body"]')
    body.get_by_role("button", name="Insert a block").last.click()
    editor.get_by_role("option", name="Call to action").click()
    # The new block comes after the team, hours, prices and address sections a new site starts with.
    body.get_by_role("region", name="Call to action").get_by_label("Heading").fill("Winter opening hours")
    body.get_by_label("Button label").fill("See our hours")
    body.get_by_label("Button link").fill("contact")
    screenshot(editor, "portal_cms_edit.png")
    editor.get_by_role("button", name="More actions").click()
    editor.get_by_role("button", name="Publish").click()
    expect(editor.get_by_text(re.compile("has been published"))).to_be_visible()

    visitor = new_context().new_page()
    visitor.goto(portal(alpha))
    expect(visitor.get_by_role("heading", name="Winter opening hours")).to_be_visible()
    expect(visitor.get_by_role("link", name="See our hours")).to_be_visible()
    screenshot(visitor, "portal_home_published.png")

    outsider = new_context().new_page()
    sign_in(outsider, beta.staff.email)
    response = outsider.goto(f"/cms/pages/{home.pk}/edit/")
    assert response.status in (403, 404)
    outsider.goto("/cms/pages/")
    screenshot(outsider, "portal_cms_beta_explorer.png")
    expect(outsider.get_by_text(alpha.clinic.name)).to_have_count(0)


def test_new_patient_books_reschedules_and_cancels(new_context, alpha, screenshot):
    make_bookable(alpha, "instant")
    page = new_context().new_page()
    desk = new_context().new_page()
    sign_in(desk, alpha.staff.email)

    book_as_new_patient(page, alpha, screenshot, "portal")
    page.get_by_role("button", name="Book now").click()
    expect(page.get_by_text("Your appointment is booked.")).to_be_visible()
    expect(page.locator("article.appointment")).to_have_count(1)
    expect(page.locator("article.appointment .status")).to_have_text("Booked")
    expect(page.get_by_role("heading", name=alpha.org.name)).to_be_visible()
    screenshot(page, "portal_my_appointments.png")
    front_desk_sees(desk, alpha, "booked")
    with scopes_disabled():
        assert PatientAccount.objects.filter(user__email=PATIENT["email"], verified_at__isnull=False).exists()

    page.get_by_role("link", name="Reschedule").click()
    expect(page.get_by_role("heading", name="Choose a new time")).to_be_visible()
    page.locator(".slots button").nth(3).click()
    expect(page.get_by_text("Your appointment is moved.")).to_be_visible()
    front_desk_sees(desk, alpha, "booked")

    page.get_by_role("link", name="Cancel appointment").click()
    page.get_by_role("button", name="Yes, cancel appointment").click()
    expect(page.get_by_role("heading", name="Your appointment is cancelled", level=1)).to_be_visible()
    page.get_by_role("link", name="Back to my appointments").click()
    expect(page.locator("article.appointment .status")).to_have_text("Cancelled by patient")
    front_desk_sees(desk, alpha, "cancelled_patient")


def test_approval_mode_request_stays_pending_until_staff_approve(new_context, alpha, screenshot):
    make_bookable(alpha, "approval")
    page = new_context().new_page()
    book_as_new_patient(page, alpha, screenshot, "portal_approval")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("Your request is sent.")).to_be_visible()
    expect(page.locator("article.appointment .status")).to_have_text("Requested")
    screenshot(page, "portal_approval_pending.png")

    desk = new_context().new_page()
    sign_in(desk, alpha.staff.email)
    desk.goto(f"/office/c/{alpha.clinic.slug}/scheduling/requests/")
    expect(desk.get_by_text(f"{PATIENT['given']} {PATIENT['family']}")).to_be_visible()
    screenshot(desk, "portal_approval_front_desk.png")
    desk.locator('button[data-status="booked"]').first.click()
    page.reload()
    expect(page.locator("article.appointment .status")).to_have_text("Booked")


def test_booking_on_a_phone(new_context, alpha, screenshot):
    make_bookable(alpha, "instant")
    page = new_context(viewport=PHONE).new_page()
    book_as_new_patient(page, alpha, screenshot, "portal_phone")
    page.get_by_role("button", name="Book now").click()
    expect(page.get_by_text("Your appointment is booked.")).to_be_visible()
    screenshot(page, "portal_phone_my_appointments.png")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page scrolls sideways on a phone ({width}px)"


def test_portal_pages_have_no_serious_accessibility_violations(new_context, alpha):
    make_bookable(alpha, "instant")
    page = new_context().new_page()
    day = booking_day(alpha)
    with scope(organization=alpha.org.pk):
        from plugins.scheduling.models import Service

        service = Service.objects.get(organization=alpha.org, name="Physio assessment")
    for name, url in [
        ("portal home", portal(alpha)),
        (
            "booking page",
            f"{portal(alpha)}booking?service={service.pk}&practitioner=any&date={day.isoformat()}",
        ),
        ("contact", f"{portal(alpha)}contact"),
    ]:
        page.goto(url)
        violations = axe_violations(page)
        assert not violations, f"{name}: {format_violations(violations)}"
    with scopes_disabled():
        from tests.factories import link_patient_login, make_user

        link_patient_login(alpha.patient, make_user("erin-portal@alpha.test"))
    page.goto(f"{portal(alpha)}account/login/")
    page.get_by_label("Email").fill("erin-portal@alpha.test")
    from tests.factories import PASSWORD as TEST_PASSWORD

    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My appointments", level=1)).to_be_visible()
    violations = axe_violations(page)
    assert not violations, f"my appointments: {format_violations(violations)}"


pytestmark = pytest.mark.django_db(transaction=True)
