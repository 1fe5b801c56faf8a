from datetime import timedelta

import pytest
from django_scopes import scope

from plugins.scheduling.models import Appointment, Status
from plugins.scheduling.services.booking import book_appointment

from .conftest import MONDAY, at


def base(t):
    return f"/office/c/{t.clinic.slug}/scheduling/"


def book(t, start, **kwargs):
    with scope(organization=t.org.pk):
        return book_appointment(
            clinic=t.clinic,
            practitioner=t.doctor,
            patient=t.patient,
            service=t.service,
            start=start,
            override=True,
            **kwargs,
        )


@pytest.mark.django_db
def test_calendar_day_and_week_show_practitioner_columns(sched, login):
    appointment = book(sched, at(MONDAY, 9))
    client = login(sched.staff)
    day = client.get(base(sched), {"date": MONDAY.isoformat()})
    assert day.status_code == 200
    assert f'data-practitioner="{sched.doctor.pk}"'.encode() in day.content
    assert f'data-appointment="{appointment.pk}"'.encode() in day.content
    assert b"09:00" in day.content  # shown in the clinic's time zone
    week = client.get(base(sched), {"date": (MONDAY + timedelta(days=3)).isoformat(), "view": "week"})
    assert week.status_code == 200
    assert week.content.count(b'data-testid="calendar-day"') == 7
    assert f'data-appointment="{appointment.pk}"'.encode() in week.content


@pytest.mark.django_db
def test_week_view_query_count_does_not_depend_on_appointments_elsewhere(
    sched, login, django_assert_max_num_queries
):
    client = login(sched.staff)
    params = {"date": MONDAY.isoformat(), "view": "week"}
    for i in range(5):
        book(sched, at(MONDAY + timedelta(days=i), 9))
    client.get(base(sched), params)

    def fill(n, first_day):
        for i in range(n):
            book(sched, at(first_day + timedelta(days=i // 10), 8 + i % 10))

    fill(10, MONDAY - timedelta(days=40))
    with django_assert_max_num_queries(10) as few:
        assert client.get(base(sched), params).status_code == 200
    fill(190, MONDAY + timedelta(days=14))
    with django_assert_max_num_queries(10) as many:
        assert client.get(base(sched), params).status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)


@pytest.mark.django_db
def test_create_form_books_and_reports_taken_time(sched, login):
    client = login(sched.staff)
    form = client.get(base(sched) + "appointments/new/")
    assert form.status_code == 200
    data = {
        "patient": sched.patient.pk,
        "service": sched.service.pk,
        "practitioner": sched.doctor.pk,
        "start": f"{MONDAY.isoformat()}T09:00",
    }
    response = client.post(base(sched) + "appointments/new/", data)
    assert response.status_code == 302
    with scope(organization=sched.org.pk):
        appointment = Appointment.objects.get()
    assert appointment.start == at(MONDAY, 9)  # read as the clinic's wall-clock time
    again = client.post(base(sched) + "appointments/new/", data)
    assert again.status_code == 409
    assert b'data-testid="next-slots"' in again.content


@pytest.mark.django_db
def test_create_form_repeats_weekly(sched, login):
    client = login(sched.owner)
    data = {
        "patient": sched.patient.pk,
        "service": sched.service.pk,
        "practitioner": sched.doctor.pk,
        "start": f"{MONDAY.isoformat()}T10:00",
        "repeat": "weekly",
        "interval": 1,
        "count": 3,
    }
    assert client.post(base(sched) + "appointments/new/", data).status_code == 302
    with scope(organization=sched.org.pk):
        assert Appointment.objects.filter(series__isnull=False).count() == 3


@pytest.mark.django_db
def test_status_buttons_reschedule_and_stale_form(sched, login):
    appointment = book(sched, at(MONDAY, 9))
    client = login(sched.staff)
    edit_url = base(sched) + f"appointments/{appointment.pk}/"
    page = client.get(edit_url)
    assert page.status_code == 200 and b'data-status="arrived"' in page.content
    moved = client.post(
        edit_url, {"start": f"{MONDAY.isoformat()}T11:00", "practitioner": sched.doctor.pk, "version": 1}
    )
    assert moved.status_code == 302
    stale = client.post(
        edit_url, {"start": f"{MONDAY.isoformat()}T12:00", "practitioner": sched.doctor.pk, "version": 1}
    )
    assert stale.status_code == 409
    response = client.post(edit_url + "status/", {"status": "arrived", "version": 2})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.ARRIVED


@pytest.mark.django_db
def test_today_requests_day_sheet_and_dashboard_widgets(sched, login):
    from django.utils import timezone

    now = timezone.now().astimezone(sched.clinic.tzinfo)
    start = now.replace(hour=23, minute=0, second=0, microsecond=0) if now.hour < 23 else now
    todays = book(sched, start)
    with scope(organization=sched.org.pk):
        from plugins.scheduling.models import Channel

        request = book_appointment(
            clinic=sched.clinic,
            practitioner=sched.doctor,
            patient=sched.patient,
            service=sched.service,
            start=at(MONDAY, 9),
            channel=Channel.PORTAL,
        )
    assert request.status == Status.REQUESTED
    client = login(sched.staff)
    assert f'data-appointment="{todays.pk}"'.encode() in client.get(base(sched) + "today/").content
    assert sched.patient.family_name.encode() in client.get(base(sched) + "requests/").content
    sheet = client.get(base(sched) + "day-sheet/", {"date": MONDAY.isoformat()})
    assert sheet.status_code == 200 and sched.patient.display_record_number.encode() in sheet.content
    dashboard = client.get("/office/")
    assert b'data-testid="scheduling-today-count"' in dashboard.content
    assert b'data-testid="scheduling-requests"' in dashboard.content
    assert base(sched).encode() in dashboard.content  # nav entries


@pytest.mark.django_db
def test_other_clinic_and_module_off_are_not_found(sched, login):
    from core.tenancy.services import set_module_enabled

    staff = login(sched.staff)
    assert staff.get(f"/office/c/{sched.clinics[1].slug}/scheduling/").status_code == 404
    with scope(organization=sched.org.pk):
        set_module_enabled(sched.clinic, "scheduling", False)
    assert staff.get(base(sched)).status_code == 404
