"""The newest scheduling screens as their people see them, on a desktop and on a phone: the office calendar
(day and week) with a buffer band after an appointment and an appointment stranded inside time off; the
portal's cancellation confirmation and the page after cancelling; and the portal's free times for a
clinic in New York, which read on the clinic's wall clock. Each page is photographed at both sizes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import Page, expect

from core.tenancy.models import Role
from plugins.scheduling.models import BookingPolicy, OnlineMode, Service, ServicePractitioner, TimeOff
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.catalogue import create_service
from plugins.scheduling.services.working_time import add_working_hours
from tests.factories import PASSWORD, add_member, link_patient_login, make_org, make_patient, make_user

from .helpers import sign_in

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
POLICY = "Please cancel at least a day ahead. Later cancellations are charged 20.00."

pytestmark = pytest.mark.django_db(transaction=True)


def fits_the_width(page: Page, width: int) -> None:
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width, f"the page scrolls sideways ({scroll}px wide at {width}px)"


def reachable(page: Page, locator) -> None:
    """A button a person can tap: visible, not narrower than a fingertip, inside the screen's width."""
    locator.scroll_into_view_if_needed()
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], f"cut off at the side: {box}"
    assert box["height"] >= 24, f"too small to tap: {box}"


# --- The office calendar: a buffer band and an appointment stranded in time off -------------------------


def clinic_with_buffer_and_time_off():
    """A Berlin clinic whose practitioner has a 10:00 assessment keeping 10 minutes clear after it, and a
    15:00 check-up inside an afternoon of time off entered after it was booked."""
    org, (clinic,) = make_org("Linden Praxis", clinics=("Mitte",))
    clinic.timezone = "Europe/Berlin"
    clinic.save()
    make_user("desk@linden.test", full_name="Tom Desk")
    day = datetime.now(BERLIN).date() + timedelta(days=7)
    day -= timedelta(days=day.weekday() - 1)  # a Tuesday, so the week view shows the day in the middle
    with scope(organization=org.pk):
        doctor = add_member(
            org, make_user("doctor@linden.test", full_name="Dr Hanna Weber"), Role.PRACTITIONER, [clinic]
        )
        add_member(org, type(doctor.user).objects.get(email="desk@linden.test"), Role.STAFF, [clinic])
        for weekday in range(7):
            add_working_hours(clinic, doctor, weekday=weekday, start_time=time(8), end_time=time(18))
        BookingPolicy.objects.create(
            organization=org, clinic=clinic, min_notice_minutes=0, online_mode=OnlineMode.APPROVAL
        )
        assessment = Service.objects.create(
            organization=org,
            clinic=clinic,
            name="Extended assessment",
            duration_minutes=60,
            buffer_after_minutes=10,
            price="120.00",
        )
        ServicePractitioner.objects.create(organization=org, service=assessment, membership=doctor)
        checkup = create_service(clinic, practitioners=[doctor], name="Check-up", duration_minutes=30)
        book_appointment(
            clinic=clinic,
            practitioner=doctor,
            patient=make_patient(clinic, "Jonas", "Fischer"),
            service=assessment,
            start=datetime.combine(day, time(10), tzinfo=BERLIN),
        )
        stranded = book_appointment(
            clinic=clinic,
            practitioner=doctor,
            patient=make_patient(clinic, "Eva", "Krause"),
            service=checkup,
            start=datetime.combine(day, time(15), tzinfo=BERLIN),
        )
        TimeOff.objects.create(
            organization=org,
            membership=doctor,
            start=datetime.combine(day, time(14), tzinfo=BERLIN),
            end=datetime.combine(day, time(17), tzinfo=BERLIN),
        )
    return clinic, doctor, day, stranded


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("view", ["day", "week"])
def test_calendar_shows_the_buffer_and_the_stranded_appointment(new_context, screenshot, size, view):
    clinic, doctor, day, stranded = clinic_with_buffer_and_time_off()
    page = new_context(viewport=SIZES[size]).new_page()
    sign_in(page, "desk@linden.test")
    page.goto(f"/office/c/{clinic.slug}/scheduling/?view={view}&date={day.isoformat()}")
    column = page.locator(f'[data-drop-column][data-practitioner="{doctor.pk}"]')
    if view == "week":  # the practitioner's column of that day
        column = page.locator(f'[data-drop-column][data-practitioner="{doctor.pk}"][data-date="{day}"]')

    buffer = column.get_by_test_id("calendar-buffer")
    expect(buffer).to_have_count(1)
    buffer.scroll_into_view_if_needed()
    expect(buffer).to_be_visible()
    expect(buffer).to_have_attribute("title", "10-minute buffer after Jonas Fischer's appointment")
    label = buffer.locator("span[aria-hidden]")
    expect(label).to_have_text("buffer")
    # The word fits inside its band: drawn at a readable size, not clipped by the band's height.
    band, word = buffer.bounding_box(), label.bounding_box()
    assert word["height"] <= band["height"] + 0.5, f"'buffer' is cut off: word {word}, band {band}"
    assert page.evaluate("e => parseFloat(getComputedStyle(e).fontSize)", label.element_handle()) >= 10
    # Nothing is drawn over the word: not the sticky headers above it, not a neighbouring block.
    on_top = "e => { const r = e.getBoundingClientRect();"
    on_top += " const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
    on_top += " return !!hit && (hit === e || e.contains(hit) || hit.contains(e)); }"
    assert page.evaluate(on_top, label.element_handle()), "the 'buffer' label is covered"

    card = column.locator(f'[data-appointment="{stranded.pk}"]')
    card.scroll_into_view_if_needed()
    assert "cal-stranded" in card.get_attribute("class")
    outline = page.evaluate("e => getComputedStyle(e).outlineColor", card.element_handle())
    assert outline == "rgb(220, 38, 38)"
    note = card.get_by_test_id("stranded")
    expect(note).to_be_visible()
    expect(note).to_have_text("During time off")
    # The note is shown whole, not ellipsed away in a narrow week column.
    assert page.evaluate("e => e.scrollWidth <= e.clientWidth", note.element_handle()), "label is truncated"
    assert page.evaluate(on_top, note.element_handle()), "the 'During time off' label is covered"
    note_box, card_box = note.bounding_box(), card.bounding_box()
    assert note_box["y"] + note_box["height"] <= card_box["y"] + card_box["height"] + 0.5, "label overflows"
    screenshot(page, f"calendar_{view}_buffer_stranded_{size}.png")


# --- The portal: cancelling with the clinic's policy in view -------------------------------------------


def bookable_clinic(tenant, tz: str, opens: time, closes: time):
    clinic = tenant.clinic
    practitioner = tenant.memberships["practitioner"]
    with scopes_disabled():
        clinic.timezone = tz
        clinic.save()
        service = create_service(
            clinic, practitioners=[practitioner], name="Physio assessment", duration_minutes=45, price=60
        )
        for weekday in range(7):
            add_working_hours(clinic, practitioner, weekday=weekday, start_time=opens, end_time=closes)
        BookingPolicy.objects.create(
            organization=tenant.org,
            clinic=clinic,
            online_mode=OnlineMode.INSTANT,
            min_notice_minutes=60,
            cancellation_notice_hours=24,
            cancellation_policy=POLICY,
        )
    return service


def patient_signs_in(page: Page, tenant) -> None:
    with scopes_disabled():
        link_patient_login(tenant.patient, make_user(f"erin-{tenant.clinic.slug}@portal.test"))
    page.goto(f"/c/{tenant.clinic.slug}/account/login/")
    page.get_by_label("Email").fill(f"erin-{tenant.clinic.slug}@portal.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My appointments", level=1)).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_patient_confirms_a_cancellation_with_the_policy_in_view(new_context, alpha, screenshot, size):
    service = bookable_clinic(alpha, "Europe/Berlin", time(8), time(18))
    day = (timezone.now() + timedelta(days=4)).astimezone(BERLIN).date()
    with scope(organization=alpha.org.pk):
        book_appointment(
            clinic=alpha.clinic,
            practitioner=alpha.memberships["practitioner"],
            patient=alpha.patient,
            service=service,
            start=datetime.combine(day, time(10, 30), tzinfo=BERLIN),
        )
    viewport = SIZES[size]
    page = new_context(viewport=viewport).new_page()
    patient_signs_in(page, alpha)
    page.get_by_role("link", name="Cancel appointment").click()

    expect(page.get_by_role("heading", name="Cancel this appointment?", level=1)).to_be_visible()
    appointment = page.get_by_test_id("cancel-appointment")
    expect(appointment).to_contain_text(f"{day:%A} {day.day} {day:%B %Y}, 10:30")
    expect(appointment).to_contain_text("Physio assessment")
    policy = page.get_by_test_id("cancellation-policy")
    expect(policy.get_by_role("heading", name="Cancellation policy")).to_be_visible()
    expect(policy).to_contain_text(POLICY)
    deadline = day - timedelta(days=1)
    expect(policy).to_contain_text(
        f"You can cancel online until {deadline:%A} {deadline.day} {deadline:%B %Y}, 10:30."
    )
    confirm = page.get_by_role("button", name="Yes, cancel appointment")
    keep = page.get_by_role("link", name="Keep appointment")
    reachable(page, confirm)
    reachable(page, keep)
    fits_the_width(page, viewport["width"])
    screenshot(page, f"portal_cancel_confirm_{size}.png")

    confirm.click()
    expect(page.get_by_role("heading", name="Your appointment is cancelled", level=1)).to_be_visible()
    expect(page.get_by_test_id("cancel-appointment")).to_contain_text("10:30")
    expect(page.get_by_text("The clinic has been told.")).to_be_visible()
    expect(page.get_by_role("button", name="Yes, cancel appointment")).to_have_count(0)
    back = page.get_by_role("link", name="Back to my appointments")
    reachable(page, back)
    fits_the_width(page, viewport["width"])
    screenshot(page, f"portal_cancelled_{size}.png")
    back.click()
    expect(page.locator("article.appointment .status")).to_have_text("Cancelled by patient")


# --- The portal: free times on a New York clinic's wall clock ------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_new_york_clinic_offers_times_from_nine(new_context, alpha, screenshot, size):
    service = bookable_clinic(alpha, "America/New_York", time(9), time(17))
    day: date = (timezone.now() + timedelta(days=3)).astimezone(NEW_YORK).date()
    viewport = SIZES[size]
    page = new_context(viewport=viewport).new_page()
    page.goto(f"/c/{alpha.clinic.slug}/booking?service={service.pk}&practitioner=any&date={day.isoformat()}")
    expect(page.get_by_text("Times are in the clinic's time zone (America/New_York).")).to_be_visible()
    times = page.locator(".slots a")
    expect(times.first).to_have_text("09:00")
    labels = times.all_inner_texts()
    assert labels == sorted(labels) and labels[0] == "09:00", labels
    assert labels[-1] <= "16:15", f"a time past closing is offered: {labels[-1]}"
    reachable(page, times.first)
    reachable(page, times.last)
    fits_the_width(page, viewport["width"])
    screenshot(page, f"portal_booking_new_york_{size}.png")
