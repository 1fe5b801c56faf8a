"""Dragging an appointment on the calendar: the page marks movable cards and loads its script from a static
file; the move endpoint reschedules through the same service, and a refused move (stale version, taken
time, outside hours) answers JSON with the reason and changes nothing."""

import pytest
from django_scopes import scope

from plugins.scheduling.models import Appointment
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.status import set_status

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def book(t, start):
    with scope(organization=t.org.pk):
        return book_appointment(
            clinic=t.clinic, practitioner=t.doctor, patient=t.patient, service=t.service, start=start
        )


def move_url(t, appointment):
    return f"/office/c/{t.clinic.slug}/scheduling/appointments/{appointment.pk}/move/"


def current(t, appointment):
    with scope(organization=t.org.pk):
        return Appointment.objects.get(pk=appointment.pk)


def test_calendar_marks_movable_cards_without_inline_script(sched, login):
    appointment = book(sched, at(MONDAY, 9))
    page = login(sched.staff).get(f"/office/c/{sched.clinic.slug}/scheduling/", {"date": MONDAY.isoformat()})
    html = page.content.decode()
    assert f'data-move-url="{move_url(sched, appointment)}"' in html
    assert 'draggable="true"' in html and 'data-version="1"' in html
    assert f'data-drop-column data-date="{MONDAY.isoformat()}"' in html
    assert "scheduling/calendar-drag" in html
    assert "<script>" not in html  # the content security policy allows no inline scripts


def test_move_reschedules_and_refusals_change_nothing(sched, login):
    appointment = book(sched, at(MONDAY, 9))
    book(sched, at(MONDAY, 11))
    client = login(sched.staff)
    url = move_url(sched, appointment)
    move = {"start": f"{MONDAY.isoformat()}T10:00", "practitioner": sched.doctor.pk, "version": 1}

    response = client.post(url, {**move, "start": f"{MONDAY.isoformat()}T11:00"})
    assert response.status_code == 409
    assert response.json()["message"].startswith("This time is already taken.")
    assert "Next free: 2031-03-03 11:30" in response.json()["message"]

    response = client.post(url, {**move, "start": f"{MONDAY.isoformat()}T21:00"})
    assert response.status_code == 400
    assert "outside the practitioner's working hours" in response.json()["message"]

    response = client.post(url, {**move, "version": 7})
    assert response.status_code == 409 and response.json()["current_version"] == 1
    assert "changed by someone else" in response.json()["message"]
    unchanged = current(sched, appointment)
    assert (unchanged.start, unchanged.version) == (at(MONDAY, 9), 1)

    response = client.post(url, move)
    assert response.status_code == 200, response.content
    assert response.json()["ok"] is True and response.json()["version"] == 2
    moved = current(sched, appointment)
    assert (moved.start, moved.version) == (at(MONDAY, 10), 2)
    # The page that showed version 1 is now stale.
    assert client.post(url, {**move, "start": f"{MONDAY.isoformat()}T12:00"}).status_code == 409


def test_move_refuses_bad_input_and_closed_appointments(sched, login):
    appointment = book(sched, at(MONDAY, 9))
    client = login(sched.staff)
    url = move_url(sched, appointment)
    response = client.post(url, {"start": "not a time", "practitioner": sched.doctor.pk, "version": 1})
    assert response.status_code == 400 and response.json()["ok"] is False
    assert client.get(url).status_code == 405
    with scope(organization=sched.org.pk):
        set_status(appointment, "arrived")
    response = client.post(
        url, {"start": f"{MONDAY.isoformat()}T10:00", "practitioner": sched.doctor.pk, "version": 2}
    )
    assert response.status_code == 400
    assert "Only booked or requested appointments can be moved." in response.json()["message"]
