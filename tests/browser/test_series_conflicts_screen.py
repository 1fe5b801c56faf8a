"""Booking a weekly series in the office when one date is blocked by the buffer after another patient's
appointment: the dates to decide on come first, with the reason and the nearest free times that day, and
nothing is booked until the desk chooses. Photographed on a desktop and on a phone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from core.tenancy.models import Role
from plugins.scheduling.models import Appointment, BookingPolicy, OnlineMode, Service, ServicePractitioner
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.catalogue import create_service
from plugins.scheduling.services.working_time import add_working_hours
from tests.factories import add_member, make_org, make_patient, make_user

from .helpers import choose_patient, sign_in

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
BERLIN = ZoneInfo("Europe/Berlin")

pytestmark = pytest.mark.django_db(transaction=True)


def clinic_with_a_blocked_tuesday():
    """A Berlin practice; on the second Tuesday of the series a 10:00 assessment keeps 10 minutes clear
    after it, so an 11:00 check-up that day cannot be booked."""
    org, (clinic,) = make_org("Linden Praxis", clinics=("Mitte",))
    clinic.timezone = "Europe/Berlin"
    clinic.save()
    day = datetime.now(BERLIN).date() + timedelta(days=7)
    day += timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday
    with scope(organization=org.pk):
        doctor = add_member(
            org, make_user("doctor@linden.test", full_name="Dr Hanna Weber"), Role.PRACTITIONER, [clinic]
        )
        add_member(org, make_user("desk@linden.test", full_name="Tom Desk"), Role.STAFF, [clinic])
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
        create_service(clinic, practitioners=[doctor], name="Check-up", duration_minutes=30)
        patient = make_patient(clinic, "Eva", "Krause")
        book_appointment(
            clinic=clinic,
            practitioner=doctor,
            patient=make_patient(clinic, "Jonas", "Fischer"),
            service=assessment,
            start=datetime.combine(day + timedelta(weeks=1), time(10), tzinfo=BERLIN),
        )
    return clinic, day, patient


@pytest.mark.parametrize("size", SIZES)
def test_series_conflicts_are_decided_before_anything_is_booked(new_context, screenshot, size):
    clinic, day, patient = clinic_with_a_blocked_tuesday()
    blocked = day + timedelta(weeks=1)
    page = new_context(viewport=SIZES[size]).new_page()
    sign_in(page, "desk@linden.test")
    page.goto(f"/office/c/{clinic.slug}/scheduling/appointments/new/")
    choose_patient(page, page, patient.full_name)
    page.get_by_label("Service").select_option(label="Check-up")
    page.get_by_label("Practitioner").select_option(label="Dr Hanna Weber")
    page.get_by_label("Start").fill(f"{day.isoformat()}T11:00")
    page.get_by_label("Repeat").select_option(value="weekly")
    page.get_by_label("Number of appointments").fill("4")
    page.get_by_role("button", name="Book", exact=True).click()

    step = page.get_by_test_id("series-conflicts")
    expect(step).to_be_visible()
    expect(step).to_contain_text("One date of this series cannot be booked as asked.")
    expect(step).to_contain_text("Nothing is booked yet. 3 of 4 dates are free")
    conflict = step.locator(f'[data-conflict="{blocked.isoformat()}"]')
    expect(conflict.get_by_test_id("conflict-reason")).to_have_text(
        "This time is blocked by the 10-minute buffer after Jonas Fischer's appointment (10:00–11:00)."
    )
    expect(conflict.get_by_label("Skip this date")).to_be_checked()
    with scopes_disabled():
        assert not Appointment.objects.filter(clinic=clinic, series__isnull=False).exists()
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= SIZES[size]["width"], f"the page scrolls sideways ({scroll}px)"
    screenshot(page, f"series_conflicts_{size}.png")

    conflict.get_by_label("Book at 11:30 instead").check()
    page.get_by_role("button", name="Book the series with these choices").click()

    expect(page.get_by_text("4 appointments booked.")).to_be_visible()
    with scopes_disabled():
        starts = [
            a.start.astimezone(BERLIN).time()
            for a in Appointment.objects.filter(clinic=clinic, series__isnull=False).order_by("start")
        ]
    assert starts == [time(11), time(11, 30), time(11), time(11)]


def test_from_the_calendar_the_conflicts_come_back_into_its_dialog(new_context, screenshot):
    clinic, day, patient = clinic_with_a_blocked_tuesday()
    blocked = day + timedelta(weeks=1)
    page = new_context(viewport=SIZES["desktop"]).new_page()
    sign_in(page, "desk@linden.test")
    page.goto(f"/office/c/{clinic.slug}/scheduling/?date={day.isoformat()}")
    page.get_by_role("link", name="New appointment").click()
    dialog = page.get_by_test_id("calendar-dialog")
    expect(dialog.get_by_role("combobox", name="Patient")).to_be_visible()
    choose_patient(dialog, page, patient.full_name)
    dialog.get_by_label("Service").select_option(label="Check-up")
    dialog.get_by_label("Practitioner").select_option(label="Dr Hanna Weber")
    dialog.get_by_label("Start").fill(f"{day.isoformat()}T11:00")
    dialog.get_by_label("Repeat").select_option(value="weekly")
    dialog.get_by_label("Number of appointments").fill("4")
    dialog.get_by_role("button", name="Book", exact=True).click()

    conflict = dialog.locator(f'[data-conflict="{blocked.isoformat()}"]')
    expect(conflict).to_be_visible()
    screenshot(page, "series_conflicts_dialog_desktop.png")
    dialog.get_by_role("button", name="Book the series with these choices").click()  # skips the date

    expect(page.get_by_text("3 appointments booked.")).to_be_visible()
    expect(page.get_by_text(f"Left out, as chosen: {blocked.isoformat()}.")).to_be_visible()
    with scopes_disabled():
        assert Appointment.objects.filter(clinic=clinic, series__isnull=False).count() == 3
