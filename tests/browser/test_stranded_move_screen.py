"""Time off entered over a booked patient, as the front desk sees it on a desktop and a phone: the list of
the appointment it would strand, with the practitioner's next free times to move it to, and the page after
moving it (the patient keeps a booked time, told of the new one)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from core.tenancy.models import Role
from plugins.scheduling.models import Appointment, BookingPolicy, Status
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.catalogue import create_service
from plugins.scheduling.services.working_time import add_working_hours
from tests.factories import add_member, make_org, make_patient, make_user

from .helpers import sign_in
from .test_schedule_screens import SIZES, fits_the_width, reachable

BERLIN = ZoneInfo("Europe/Berlin")

pytestmark = pytest.mark.django_db(transaction=True)


def booked_afternoon():
    """A Berlin practitioner working 08:00–18:00 every day, with Eva Krause booked at 15:00 in a week."""
    org, (clinic,) = make_org("Linden Praxis", clinics=("Mitte",))
    clinic.timezone = "Europe/Berlin"
    clinic.save()
    day = datetime.now(BERLIN).date() + timedelta(days=7)
    with scope(organization=org.pk):
        doctor = add_member(
            org, make_user("doctor@linden.test", full_name="Dr Hanna Weber"), Role.PRACTITIONER, [clinic]
        )
        add_member(org, make_user("desk@linden.test", full_name="Tom Desk"), Role.STAFF, [clinic])
        for weekday in range(7):
            add_working_hours(clinic, doctor, weekday=weekday, start_time=time(8), end_time=time(18))
        BookingPolicy.objects.create(organization=org, clinic=clinic, min_notice_minutes=0)
        checkup = create_service(clinic, practitioners=[doctor], name="Check-up", duration_minutes=30)
        booked = book_appointment(
            clinic=clinic,
            practitioner=doctor,
            patient=make_patient(clinic, "Eva", "Krause"),
            service=checkup,
            start=datetime.combine(day, time(15), tzinfo=BERLIN),
        )
    return clinic, doctor, day, booked


@pytest.mark.parametrize("size", SIZES)
def test_front_desk_moves_a_patient_out_of_new_time_off(new_context, screenshot, size):
    clinic, doctor, day, booked = booked_afternoon()
    page = new_context(viewport=SIZES[size]).new_page()
    sign_in(page, "desk@linden.test")
    page.goto(f"/office/c/{clinic.slug}/scheduling/settings/time-off/")
    page.locator('select[name="practitioner"]').select_option(str(doctor.pk))
    page.locator('input[name="start"]').fill(f"{day.isoformat()}T13:00")
    page.locator('input[name="end"]').fill(f"{day.isoformat()}T18:00")
    page.locator('input[name="reason"]').fill("Training")
    page.locator('input[name="reason"]').press("Enter")

    row = page.locator(f'[data-stranded="{booked.pk}"]')
    expect(row).to_contain_text("Eva Krause")
    expect(row).to_contain_text("15:00")
    # The first free time is that morning's first on the clinic's clock: the afternoon is now off.
    first_move = row.locator("label:has(input[data-move])").first
    expect(first_move).to_be_visible()
    expect(first_move).to_contain_text(f"{day:%a} {day.day} {day:%b}, 08:00")
    fits_the_width(page, SIZES[size]["width"])
    screenshot(page, f"stranded_move_choices_{size}.png")

    first_move.click()
    save = page.get_by_role("button", name="Save with these choices")
    reachable(page, save)
    save.click()
    expect(page.get_by_text("1 appointment moved; the patient is told.")).to_be_visible()
    screenshot(page, f"stranded_moved_{size}.png")
    with scope(organization=clinic.organization_id):
        moved = Appointment.objects.get(pk=booked.pk)
    assert moved.status == Status.BOOKED
    assert moved.start == datetime.combine(day, time(8), tzinfo=BERLIN)
