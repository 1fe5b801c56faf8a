"""The calendar week of a busy clinic: ten practitioners, each with 25 appointments a day for a week
(1,750 appointments), and the benchmark's shape, twelve practitioners with a couple a day (the grid's
cells are most of that page). The page draws every appointment and its query count is the pinned budget,
the same as for an empty week. It also prints how long the page takes to render (median and slowest of a
few requests):

    DATABASE_URL=... .venv/bin/pytest --reuse-db -q -s plugins/scheduling/tests/test_calendar_week_speed.py
"""

import statistics
import time as clock
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from core.tenancy.models import Role
from plugins.scheduling.models import Appointment, Service, ServicePractitioner, Status
from tests.factories import add_member, make_patient, make_user

from .conftest import MONDAY, open_all_week
from .test_query_budgets import CALENDAR_WEEK

MINUTES = 20

pytestmark = pytest.mark.django_db


def fill_week(sched, practitioners: int, per_day: int):
    """More practitioners next to the fixture's, all working 08:00-18:00, each booked back to back from
    08:00 with 20-minute appointments, ``per_day`` a day, Monday to Sunday."""
    with scopes_disabled():
        service = Service.objects.create(
            organization=sched.org,
            clinic=sched.clinic,
            name="Short visit",
            duration_minutes=MINUTES,
            price="40.00",
            colour="#16a34a",
        )
        people = [sched.doctor]
        for n in range(practitioners - 1):
            user = make_user(f"speed-doctor-{n}@alpha.test", full_name=f"Dr Speed {n}")
            member = add_member(sched.org, user, Role.PRACTITIONER, [sched.clinic])
            open_all_week(sched, member, sched.clinic)
            people.append(member)
        for member in people:
            ServicePractitioner.objects.create(organization=sched.org, service=service, membership=member)
        patients = [make_patient(sched.clinic, f"Pat{n}", f"Busy{n}") for n in range(40)]
        tz = sched.clinic.tzinfo
        rows = []
        for day in range(7):
            for p, member in enumerate(people):
                for i in range(per_day):
                    start = datetime.combine(MONDAY + timedelta(days=day), time(8), tzinfo=tz)
                    start += timedelta(minutes=MINUTES * i)
                    end = start + timedelta(minutes=MINUTES)
                    rows.append(
                        Appointment(
                            organization=sched.org,
                            clinic=sched.clinic,
                            practitioner=member,
                            patient=patients[(p * per_day + i) % len(patients)],
                            service=service,
                            start=start,
                            end=end,
                            occupied_start=start,
                            occupied_end=end,
                            status=Status.BOOKED,
                        )
                    )
        Appointment.objects.bulk_create(rows, batch_size=500)


@pytest.mark.parametrize("practitioners,per_day", [(10, 25), (12, 2)])
def test_busy_week_renders_every_appointment_within_the_query_budget(sched, login, practitioners, per_day):
    fill_week(sched, practitioners, per_day)
    client = login(sched.staff)
    url = f"/office/c/{sched.clinic.slug}/scheduling/?view=week&date={MONDAY.isoformat()}"
    client.get(url)
    timings = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            started = clock.perf_counter()
            response = client.get(url)
            timings.append((clock.perf_counter() - started) * 1000)
        assert response.status_code == 200
        assert len(queries.captured_queries) <= CALENDAR_WEEK
    html = response.content.decode()
    assert html.count("data-appointment=") == practitioners * per_day * 7
    assert html.count('data-testid="calendar-column"') == practitioners * 7
    print(
        f"\ncalendar week, {practitioners} practitioners x {per_day} appointments/day: "
        f"median {statistics.median(timings):.0f} ms, slowest {max(timings):.0f} ms, "
        f"{len(queries.captured_queries)} queries, {len(response.content) // 1024} KiB"
    )
