"""Messages about an appointment name its day and time on the clinic's wall clock, whatever the server's
own zone: the server runs here in Pacific/Kiritimati (UTC+14), so a message formatted in the server's zone
would show another time and another day. Each check compares the sent text with the clinic-local reading of
the same instant."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils.formats import date_format
from django_scopes import scope

from plugins.notifications import reminders

from .conftest import at
from .helpers import book

pytestmark = pytest.mark.django_db

SERVER_ZONE = "Pacific/Kiritimati"
SERVER = ZoneInfo(SERVER_ZONE)
# 21:30 on Monday evening in New York is 16:30 on Tuesday in Kiritimati.
MONDAY_EVENING = (date(2031, 3, 3), 21, 30)


@pytest.fixture(autouse=True)
def server_far_from_every_clinic(settings):
    settings.TIME_ZONE = SERVER_ZONE


def readings(instant, zone):
    local = instant.astimezone(zone)
    return date_format(local, "l, j F Y"), local.strftime("%H:%M")


def only_message():
    (message,) = mail.outbox
    return message.subject + "\n" + message.body


def test_the_confirmation_email_reads_the_clinics_clock(sched, django_capture_on_commit_callbacks):
    start = at(*MONDAY_EVENING)
    mail.outbox.clear()

    book(sched, start, django_capture_on_commit_callbacks)

    text = only_message()
    day, time = readings(start, sched.clinic.tzinfo)
    server_day, server_time = readings(start, SERVER)
    assert (day, time) == ("Monday, 3 March 2031", "21:30")
    assert f"{day} at {time}" in text
    assert server_day not in text and server_time not in text


def test_the_reminder_reads_the_clinics_clock(sched, django_capture_on_commit_callbacks):
    start = at(*MONDAY_EVENING)
    appointment = book(sched, start, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with scope(organization=sched.org.pk):
        due = reminders.send_time(appointment.start, 24 * 60, sched.clinic.tzinfo)
        with django_capture_on_commit_callbacks(execute=True):
            assert reminders.create_due_reminders(sched.clinic, now=due + timedelta(minutes=1))["queued"] == 1

    text = only_message()
    day, time = readings(start, sched.clinic.tzinfo)
    server_day, server_time = readings(start, SERVER)
    assert day in text and time in text
    assert server_day not in text and server_time not in text
