"""The office's booking form for a repeating appointment: conflicts first, a choice per date, then the whole
series at once; nothing is written before the office confirms, and a tampered answer is a message."""

import re
from datetime import timedelta

import pytest
from django_scopes import scope

from plugins.scheduling.models import Appointment, AppointmentSeries
from plugins.scheduling.services.booking import book_appointment
from tests.factories import make_patient

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db

WEEK = timedelta(weeks=1)


def url(t):
    return f"/office/c/{t.clinic.slug}/scheduling/appointments/new/"


def form(t, **extra):
    return {
        "patient": t.patient.pk,
        "service": t.service.pk,
        "practitioner": t.doctor.pk,
        "start": f"{MONDAY.isoformat()}T11:00",
        "repeat": "weekly",
        "interval": 1,
        "count": 4,
        **extra,
    }


def block(t, start):
    with scope(organization=t.org.pk):
        return book_appointment(
            clinic=t.clinic,
            practitioner=t.doctor,
            patient=make_patient(t.clinic, "Dana", "Blocker"),
            service=t.service,
            start=start,
        )


def series_rows(t):
    with scope(organization=t.org.pk):
        in_series = Appointment.objects.filter(organization=t.org, series__isnull=False)
        return (
            AppointmentSeries.objects.filter(organization=t.org).count(),
            sorted(in_series.values_list("start", flat=True)),
        )


def test_conflicts_are_shown_first_and_the_choice_books_the_series(sched, login):
    block(sched, at(MONDAY + WEEK, 11))
    client = login(sched.owner)

    first = client.post(url(sched), form(sched))

    assert first.status_code == 409
    html = first.content.decode()
    assert 'data-testid="series-conflicts"' in html
    assert f'data-conflict="{(MONDAY + WEEK).isoformat()}"' in html
    assert "This time overlaps Dana Blocker&#x27;s appointment (11:00–11:30)." in html
    assert "Monday 10 March 2031, 11:00" in html  # the clinic's wall clock
    # The nearest free times that day are offered, and the form's own fields ride along hidden.
    assert re.search(r'name="on-2031-03-10" value="11:30"', html)
    assert 'type="hidden" name="start" value="2031-03-03T11:00"' in html
    assert series_rows(sched) == (0, [])

    done = client.post(url(sched), form(sched, **{"on-2031-03-10": "11:30"}))

    assert done.status_code == 302
    assert series_rows(sched) == (
        1,
        [at(MONDAY, 11), at(MONDAY + WEEK, 11, 30), at(MONDAY + 2 * WEEK, 11), at(MONDAY + 3 * WEEK, 11)],
    )
    assert "4 appointments booked." in client.get(done.url).content.decode()


def test_a_date_taken_before_the_confirmation_shows_the_dates_again(sched, login):
    block(sched, at(MONDAY + WEEK, 11))
    client = login(sched.owner)
    assert client.post(url(sched), form(sched)).status_code == 409
    block(sched, at(MONDAY + 3 * WEEK, 11))  # someone else, while the office decides

    again = client.post(url(sched), form(sched, **{"on-2031-03-10": "skip"}))

    assert again.status_code == 409
    html = again.content.decode()
    assert 'data-conflict="2031-03-24"' in html
    assert 'data-conflict="2031-03-10"' not in html
    assert 'type="hidden" name="on-2031-03-10" value="skip"' in html  # the first answer is kept
    assert series_rows(sched) == (0, [])

    done = client.post(url(sched), form(sched, **{"on-2031-03-10": "skip", "on-2031-03-24": "skip"}))
    assert done.status_code == 302
    assert series_rows(sched)[1] == [at(MONDAY, 11), at(MONDAY + 2 * WEEK, 11)]
    page = client.get(done.url).content.decode()
    assert "2 appointments booked." in page and "Left out, as chosen: 2031-03-10, 2031-03-24." in page


def test_a_tampered_choice_is_a_form_error_not_a_server_error(sched, login):
    client = login(sched.owner)
    response = client.post(url(sched), form(sched, **{"on-2031-03-10": "noon"}))
    assert response.status_code == 400
    assert "Choose, for each date, to skip it or one of the times offered." in response.content.decode()
    assert series_rows(sched) == (0, [])


def test_the_conflict_step_opens_in_the_calendar_dialog(sched, login):
    block(sched, at(MONDAY + WEEK, 11))
    client = login(sched.owner)
    response = client.post(
        url(sched), form(sched), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="calendar-dialog-body"
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'hx-post="' in html and "data-dialog-close" in html and "<html" not in html
