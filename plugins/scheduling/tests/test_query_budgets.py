"""Query budgets of the benchmark's scheduling scenarios (docs/performance.md): booking, availability for
one practitioner over a month and for anyone over a week, the calendar week and the today list. Each is
pinned at what it costs now, so a regression shows in the suite without running the benchmark. (Listeners
that run after commit, such as notifications, are not part of these counts: the test transaction never
commits.)"""

from datetime import timedelta

import pytest
from django_scopes import scope

from plugins.scheduling.services.booking import book_appointment

from .conftest import MONDAY, at

# A booking over the API: the user with their memberships, in one query (the session comes from the
# cache); the clinic, patient, service and practitioner asked for; the history context; one query taking
# the diary locks and reading the booking's facts (membership, service offer, overlap setting, patient
# link, policy); one query for working hours, time off, busy time and closures; the insert; the savepoint's
# release (the test's transaction).
BOOKING = 10  # 14, 13, 12 (the session, the user with their memberships, the inputs in one query)
# A refused time reads, instead of inserting, which appointment or buffer is in the way and the next
# free times (the inputs again, over two weeks, in one query).
BOOKING_TAKEN = 12  # 18, 17, 16 (the session, the user with their memberships, the inputs in one query)
# The service and who offers it, the booking policy, and the inputs in one query (overlap settings too).
AVAILABILITY_MONTH = 6  # 10 before the inputs came in one query
AVAILABILITY_ANY_WEEK = 6  # 10 likewise
# The week grid: the clinic's practitioners, services and rooms (its filters), the booking policy (the
# grid's step), the appointments, and in one query working hours, time off, closures and what the
# availability engine reads so free cells are bookable (overlap settings, busy time at any clinic), on
# top of the request's own. The calendar and today's list write their access events (core/audit) in one
# INSERT: one query each.
CALENDAR_WEEK = 10  # 14 before the inputs came in one query
TODAY_LIST = 6

pytestmark = pytest.mark.django_db


def api(t, path):
    return f"/api/v1/clinics/{t.clinic.pk}/scheduling/{path}"


def booking(t, start):
    return {
        "patient_id": t.patient.pk,
        "service_id": t.service.pk,
        "practitioner_id": t.doctor.pk,
        "start": start.isoformat(),
    }


def book(t, start):
    with scope(organization=t.org.pk):
        book_appointment(
            clinic=t.clinic, practitioner=t.doctor, patient=t.patient, service=t.service, start=start
        )


def test_booking_and_taken_time(sched, login, django_assert_max_num_queries):
    client = login(sched.staff)
    client.get(api(sched, "services"))  # the session's first touch writes it
    with django_assert_max_num_queries(BOOKING):
        response = client.post(
            api(sched, "appointments"), booking(sched, at(MONDAY, 9)), content_type="application/json"
        )
    assert response.status_code == 201, response.content
    with django_assert_max_num_queries(BOOKING_TAKEN):
        taken = client.post(
            api(sched, "appointments"), booking(sched, at(MONDAY, 9)), content_type="application/json"
        )
    assert taken.status_code == 409
    assert taken.json()["error"]["next_slots"]


def test_availability_month_and_any_week(sched, login, django_assert_max_num_queries):
    for day in range(0, 28, 3):
        book(sched, at(MONDAY + timedelta(days=day), 10))
    client = login(sched.staff)
    month = {"service": sched.service.pk, "practitioner": sched.doctor.pk, "from": MONDAY.isoformat()}
    month["to"] = (MONDAY + timedelta(days=30)).isoformat()
    client.get(api(sched, "availability"), month)
    with django_assert_max_num_queries(AVAILABILITY_MONTH):
        response = client.get(api(sched, "availability"), month)
    assert response.status_code == 200 and response.json()["slots"]
    week = {**month, "practitioner": "any", "to": (MONDAY + timedelta(days=6)).isoformat()}
    with django_assert_max_num_queries(AVAILABILITY_ANY_WEEK):
        response = client.get(api(sched, "availability"), week)
    assert response.status_code == 200 and response.json()["slots"]


def test_calendar_week_and_today_list(sched, login, django_assert_max_num_queries):
    for day in range(5):
        book(sched, at(MONDAY + timedelta(days=day), 9))
    client = login(sched.staff)
    week = f"/office/c/{sched.clinic.slug}/scheduling/?view=week&date={MONDAY.isoformat()}"
    client.get(week)
    with django_assert_max_num_queries(CALENDAR_WEEK):
        response = client.get(week)
    assert response.status_code == 200
    assert response.content.decode().count("data-appointment=") == 5
    with django_assert_max_num_queries(TODAY_LIST):
        assert client.get(f"/office/c/{sched.clinic.slug}/scheduling/today/").status_code == 200
