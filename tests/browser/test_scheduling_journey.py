"""The front desk's day with an appointment, and the practitioner's calendar app following it: the
practitioner creates their private calendar address; the front desk books by clicking a free slot of the
calendar grid (the form comes prefilled), sees the appointment in the grid at its row, moves it with the
edit form, marks the patient arrived and then completed; the feed, fetched over HTTP from the running
server, shows the new time with a higher SEQUENCE each time. Dragging a block to a taken cell is refused
and the block snaps back; dragging it to a free cell moves it there."""

from __future__ import annotations

import re
import urllib.request
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django_scopes import scope
from playwright.sync_api import Page, expect

from core.tenancy.models import Role
from plugins.scheduling import ics
from plugins.scheduling.models import (
    Appointment,
    BookingPolicy,
    OnlineMode,
    Status,
    WorkingHours,
)
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.catalogue import create_service
from tests.factories import add_member, make_org, make_patient, make_user

from .helpers import axe_violations, choose_patient, format_violations, sign_in

BERLIN = ZoneInfo("Europe/Berlin")


def written_utc(value: datetime) -> str:
    """An instant as the feed writes it: UTC, "Z" form."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def clinic_with_a_practitioner():
    org, (clinic,) = make_org("Linden Praxis", clinics=("Mitte",))
    clinic.timezone = "Europe/Berlin"
    clinic.save()
    doctor_user = make_user("doctor@linden.test", full_name="Dr Hanna Weber")
    make_user("desk@linden.test", full_name="Tom Desk")
    with scope(organization=org.pk):
        doctor = add_member(org, doctor_user, Role.PRACTITIONER, [clinic])
        add_member(org, type(doctor_user).objects.get(email="desk@linden.test"), Role.STAFF, [clinic])
        service = create_service(clinic, practitioners=[doctor], name="Consultation", duration_minutes=30)
        for weekday in range(7):
            WorkingHours.objects.create(
                organization=org,
                membership=doctor,
                clinic=clinic,
                weekday=weekday,
                start_time=time(8),
                end_time=time(18),
                valid_from=date(2020, 1, 1),
            )
        BookingPolicy.objects.create(
            organization=org, clinic=clinic, min_notice_minutes=0, online_mode=OnlineMode.APPROVAL
        )
        patient = make_patient(clinic, "Jonas", "Fischer")
    return org, clinic, doctor, service, patient


def feed_events(url: str) -> dict[str, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        body = response.read().decode()
    unfolded = body.replace("\r\n ", "")
    found = {}
    for block in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", unfolded, re.S):
        props = dict(line.split(":", 1) for line in block.split("\r\n") if line)
        found[props["UID"]] = props
    return found


def test_front_desk_books_moves_and_completes_and_the_feed_follows(
    page: Page, new_context, screenshot, live_server
):
    org, clinic, doctor, service, patient = clinic_with_a_practitioner()
    day = datetime.now(BERLIN).date() + timedelta(days=3)

    # --- The practitioner creates their private calendar address -------------------------------------------
    practitioner = new_context().new_page()
    sign_in(practitioner, "doctor@linden.test")
    practitioner.goto(f"/office/c/{clinic.slug}/scheduling/calendar-feed/")
    practitioner.get_by_role("button", name="Create my calendar address").click()
    feed_url = practitioner.get_by_test_id("feed-url").input_value()
    assert feed_url.startswith(live_server.url + "/public/scheduling/feed/cal_")
    screenshot(practitioner, "scheduling_calendar_feed.png")
    assert feed_events(feed_url) == {}

    # --- The front desk books by clicking a free slot of the calendar ------------------------------------
    sign_in(page, "desk@linden.test")
    page.goto(f"/office/c/{clinic.slug}/scheduling/?date={day.isoformat()}")
    slot = page.get_by_role("link", name="Book 10:00 with Dr Hanna Weber")
    screenshot(page, "scheduling_grid_free.png")
    slot.click()  # the form opens over the calendar, prefilled
    dialog = page.get_by_role("dialog", name="New appointment")
    expect(dialog.get_by_label("Practitioner")).to_have_value(str(doctor.pk))
    expect(dialog.get_by_label("Start")).to_have_value(f"{day.isoformat()}T10:00")
    choose_patient(dialog, page, patient.full_name)
    dialog.get_by_label("Service").select_option(label="Consultation")
    screenshot(page, "scheduling_book_dialog.png")
    dialog.get_by_role("button", name="Book").click()
    expect(page.get_by_text("Appointment booked.")).to_be_visible()
    assert f"date={day.isoformat()}" in page.url  # back on the same calendar day
    with scope(organization=org.pk):
        appointment = Appointment.objects.get(patient=patient)
    card = page.locator(f'[data-appointment="{appointment.pk}"]')
    expect(card).to_contain_text("10:00")
    block_box = card.bounding_box()
    slot_box = page.locator(f'[data-practitioner="{doctor.pk}"] [data-drop-time="10:00"]').bounding_box()
    assert abs(block_box["y"] - slot_box["y"]) < 4  # drawn from the 10:00 row down
    assert block_box["height"] > 1.5 * slot_box["height"]  # 30 minutes: two 15-minute rows
    expect(page.get_by_role("link", name="Book 10:00 with Dr Hanna Weber")).to_have_count(0)
    screenshot(page, "scheduling_booked.png")
    uid = ics.uid(appointment)
    event = feed_events(feed_url)[uid]
    assert event["DTSTART"] == written_utc(datetime.combine(day, time(10), tzinfo=BERLIN))
    assert event["SEQUENCE"] == "0"

    # --- ... moves it to 14:00 with the edit form -------------------------------------------------------
    card.get_by_role("link", name=patient.full_name).click()
    page.get_by_label("New start").fill(f"{day.isoformat()}T14:00")
    screenshot(page, "scheduling_edit.png")
    page.get_by_role("button", name="Move appointment").click()
    expect(page.get_by_text("Appointment moved.")).to_be_visible()
    expect(card).to_contain_text("14:00")
    event = feed_events(feed_url)[uid]
    assert event["DTSTART"] == written_utc(datetime.combine(day, time(14), tzinfo=BERLIN))
    assert event["SEQUENCE"] == "1"

    # --- ... marks the patient arrived, then completed (the buttons show over the hovered block) ----------
    card.hover()
    card.get_by_role("button", name="Arrived").click()
    expect(page.get_by_text(f"{patient.full_name}: Arrived.")).to_be_visible()
    card.hover()
    card.get_by_role("button", name="Completed").click()
    expect(page.get_by_text(f"{patient.full_name}: Completed.")).to_be_visible()
    expect(card).to_have_attribute("data-status", "completed")
    card.scroll_into_view_if_needed()
    screenshot(page, "scheduling_completed.png")
    with scope(organization=org.pk):
        appointment.refresh_from_db()
    assert (appointment.status, appointment.version) == (Status.COMPLETED, 4)
    event = feed_events(feed_url)[uid]
    assert event["SEQUENCE"] == "3" and event["STATUS"] == "CONFIRMED"
    assert event["DTSTART"] == written_utc(datetime.combine(day, time(14), tzinfo=BERLIN))


def test_a_refused_drag_snaps_back_with_the_reason(page: Page, screenshot):
    org, clinic, doctor, service, patient = clinic_with_a_practitioner()
    day = datetime.now(BERLIN).date() + timedelta(days=3)
    with scope(organization=org.pk):
        moving = book_appointment(
            clinic=clinic,
            practitioner=doctor,
            patient=patient,
            service=service,
            start=datetime.combine(day, time(9), tzinfo=BERLIN),
        )
        book_appointment(
            clinic=clinic,
            practitioner=doctor,
            patient=make_patient(clinic, "Eva", "Braun"),
            service=service,
            start=datetime.combine(day, time(11), tzinfo=BERLIN),
        )
    sign_in(page, "desk@linden.test")
    page.goto(f"/office/c/{clinic.slug}/scheduling/?date={day.isoformat()}")
    card = page.locator(f'[data-appointment="{moving.pk}"]')
    column = page.locator(f'[data-drop-column][data-practitioner="{doctor.pk}"]')
    home = card.get_attribute("style")

    def drag_to(clock: str) -> None:
        box = card.bounding_box()
        page.mouse.move(box["x"] + 6, box["y"] + 4)
        page.mouse.down()
        page.mouse.move(box["x"] + 16, box["y"] + 14, steps=4)  # starts the drag
        target = column.locator(f'[data-drop-time="{clock}"]')
        target.scroll_into_view_if_needed()
        spot = target.bounding_box()
        page.mouse.move(spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2, steps=8)
        page.mouse.up()

    drag_to("11:00")
    message = page.get_by_test_id("move-message")
    expect(message).to_contain_text("This time overlaps")  # says whose appointment is in the way
    expect(card).to_have_attribute("style", home)  # back in its place at 09:00
    screenshot(page, "scheduling_drag_refused.png")
    with scope(organization=org.pk):
        moving.refresh_from_db()
    assert (moving.start, moving.version) == (datetime.combine(day, time(9), tzinfo=BERLIN), 1)

    drag_to("15:30")
    moved = page.locator(f'[data-appointment="{moving.pk}"]')
    expect(moved).to_contain_text("15:30")
    target = column.locator('[data-drop-time="15:30"]').bounding_box()
    assert abs(moved.bounding_box()["y"] - target["y"]) < 4  # drawn in the 15:30 row
    screenshot(page, "scheduling_drag_moved.png")
    with scope(organization=org.pk):
        moving.refresh_from_db()
    assert (moving.start, moving.version) == (datetime.combine(day, time(15, 30), tzinfo=BERLIN), 2)


def test_clinic_week_reads_side_by_side_and_passes_axe(page: Page, screenshot):
    org, clinic, doctor, service, patient = clinic_with_a_practitioner()
    monday = datetime.now(BERLIN).date() + timedelta(days=7)
    monday -= timedelta(days=monday.weekday())
    with scope(organization=org.pk):
        colleague = add_member(
            org, make_user("lee@linden.test", full_name="Dr Lee"), Role.PRACTITIONER, [clinic]
        )
        massage = create_service(
            clinic, practitioners=[doctor, colleague], name="Massage", duration_minutes=60, colour="#9333ea"
        )
        for weekday in range(5):
            WorkingHours.objects.create(
                organization=org,
                membership=colleague,
                clinic=clinic,
                weekday=weekday,
                start_time=time(9),
                end_time=time(17),
                valid_from=date(2020, 1, 1),
            )
        for n in range(5):
            day = monday + timedelta(days=n)
            for who, what, hour in (
                (doctor, service, 9 + n),
                (colleague, massage, 10 + n),
                (doctor, massage, 14),
            ):
                book_appointment(
                    clinic=clinic,
                    practitioner=who,
                    patient=patient,
                    service=what,
                    start=datetime.combine(day, time(hour), tzinfo=BERLIN),
                    override=True,
                )
    sign_in(page, "desk@linden.test")
    page.goto(f"/office/c/{clinic.slug}/scheduling/?view=week&date={monday.isoformat()}")
    expect(page.get_by_test_id("calendar-column")).to_have_count(14)
    expect(page.locator("[data-appointment]")).to_have_count(15)
    # Dr Lee does not work at weekends: those cells are shaded and offer nothing.
    saturday = (monday + timedelta(days=5)).isoformat()
    weekend = page.locator(f'[data-practitioner="{colleague.pk}"][data-date="{saturday}"]')
    expect(weekend.locator("a")).to_have_count(0)
    tuesday = monday + timedelta(days=1)
    expect(
        page.get_by_role("link", name=f"Book 12:00 on Tue {tuesday.day} {tuesday:%b} with Dr Lee")
    ).to_be_attached()
    screenshot(page, "scheduling_week.png")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)

    page.get_by_label("Practitioner").select_option(label="Dr Lee")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("calendar-column")).to_have_count(7)
    expect(page.locator("[data-appointment]")).to_have_count(5)
    screenshot(page, "scheduling_week_one_practitioner.png")
