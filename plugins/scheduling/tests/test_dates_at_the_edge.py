"""Dates and times outside the accepted years (1900-2999) are refused by the time-off form and the API,
and a time-off row written before they were checked no longer breaks the pages and API that read it."""

from __future__ import annotations

import pytest
from django.db import connection
from django_scopes import scope

from plugins.scheduling.models import TimeOff

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db
JSON = "application/json"


def office(t, path=""):
    return f"/office/c/{t.clinic.slug}/scheduling/{path}"


def api(t, path):
    return f"/api/v1/clinics/{t.clinic.pk}/scheduling/{path}"


def time_off(t):
    with scope(organization=t.org.pk):
        return list(TimeOff.objects.all())


@pytest.mark.parametrize("start", ["0001-01-01T00:00", "9999-12-31T23:00", "1899-12-31T23:00"])
def test_the_time_off_form_refuses_the_ends_of_the_calendar(sched, login, start):
    off = {"practitioner": sched.doctor.pk, "start": start, "end": "2031-07-01T12:30"}
    response = login(sched.staff).post(office(sched, "settings/time-off/"), off)
    assert response.status_code == 400
    assert "Give a date between the years 1900 and 2999." in response.content.decode()
    assert time_off(sched) == []


@pytest.mark.parametrize(
    ("start", "end"), [("2031-07-01T08:00Z", "9999-12-31T00:00Z"), ("0001-01-01T00:00Z", "2031-07-01T08:00Z")]
)
def test_the_time_off_api_refuses_the_ends_of_the_calendar(sched, login, start, end):
    body = {"practitioner_id": sched.doctor.pk, "start": start, "end": end}
    response = login(sched.staff).post(api(sched, "time-off"), body, content_type=JSON)
    assert response.status_code == 422, response.content
    assert set(response.json()["error"]["fields"]) <= {"start", "end"}
    assert time_off(sched) == []


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_availability_and_time_off_queries_refuse_the_ends_of_the_calendar(sched, login, day):
    client = login(sched.staff)
    for path, extra in (
        ("availability", {"service": sched.service.pk}),
        ("time-off", {}),
        ("appointments", {}),
    ):
        response = client.get(api(sched, path), {"from": day, "to": day, **extra})
        assert response.status_code == 422, (path, response.content)
        assert response.json()["error"]["fields"], path


def test_a_stored_time_off_at_the_ends_of_the_calendar_is_read_without_failing(sched, login):
    with scope(organization=sched.org.pk):
        entry = TimeOff.objects.create(
            organization=sched.org, membership=sched.doctor, start=at(MONDAY, 8), end=at(MONDAY, 9)
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {TimeOff._meta.db_table} SET start = %s::timestamptz, "end" = %s::timestamptz '
            "WHERE id = %s",
            ["0001-01-01 00:00:00+00 BC", "9999-12-31 23:00:00+00", entry.pk],
        )
    client = login(sched.staff)
    week = {"date": MONDAY.isoformat(), "view": "week"}
    assert client.get(office(sched), week).status_code == 200
    assert client.get(office(sched, "settings/time-off/")).status_code == 200
    span = {"from": MONDAY.isoformat(), "to": MONDAY.isoformat()}
    listed = client.get(api(sched, "time-off"), span)
    assert listed.status_code == 200 and listed.json()[0]["start"].startswith("1900-01-01")
    free = client.get(api(sched, "availability"), {**span, "service": sched.service.pk})
    assert free.status_code == 200 and free.json()["slots"] == []
