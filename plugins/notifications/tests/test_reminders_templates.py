"""Reminders at the right clinic-local time across DST, skipped after downtime; templates in two
languages with a broken custom template falling back; text messages trimmed to segment limits."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core import mail
from django_scopes import scope

from plugins.notifications import reminders, sms
from plugins.notifications.models import MessageTemplate, MessageType, Status
from plugins.notifications.rendering import preview, render_message
from plugins.scheduling.services.status import cancel

from .conftest import at
from .helpers import book, outbox

pytestmark = pytest.mark.django_db


def run_reminders(t, now):
    with scope(organization=t.org.pk):
        return reminders.create_due_reminders(t.clinic, now=now)


def reminder_rows(t):
    return outbox(t, message_type=MessageType.APPOINTMENT_REMINDER)


@pytest.mark.parametrize(
    ("tz", "day", "send_utc"),
    [
        # US clocks go forward on 9 March 2031: 15:00 EDT on the 9th, reminder at 15:00 EST on the 8th.
        ("America/New_York", date(2031, 3, 9), datetime(2031, 3, 8, 20, 0, tzinfo=UTC)),
        # EU clocks go forward on 30 March 2031: 15:00 CEST on the 30th, reminder at 15:00 CET on the 29th.
        ("Europe/Berlin", date(2031, 3, 30), datetime(2031, 3, 29, 14, 0, tzinfo=UTC)),
    ],
)
def test_day_before_reminder_goes_once_at_clinic_local_time_across_dst(
    sched, tz, day, send_utc, django_capture_on_commit_callbacks
):
    sched.clinic.timezone = tz
    sched.clinic.save()
    appointment = book(sched, at(day, 15, tz=tz), django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with scope(organization=sched.org.pk):
        assert reminders.send_time(appointment.start, 24 * 60, sched.clinic.tzinfo) == send_utc
    # 23 real hours before, not 24: a minute earlier nothing is due.
    assert (appointment.start - send_utc).total_seconds() == 23 * 3600
    from datetime import timedelta

    with django_capture_on_commit_callbacks(execute=True):
        assert run_reminders(sched, send_utc - timedelta(minutes=1)) == {"queued": 0, "skipped": 0}
        assert run_reminders(sched, send_utc + timedelta(minutes=2)) == {"queued": 1, "skipped": 0}
        assert run_reminders(sched, send_utc + timedelta(minutes=7)) == {"queued": 0, "skipped": 0}
    [row] = reminder_rows(sched)
    assert row.status == Status.SENT
    assert row.idempotency_key == f"reminder:{appointment.pk}:v1:1440:email"
    assert len(mail.outbox) == 1 and "15:00" in mail.outbox[0].subject


def test_downtime_longer_than_the_window_records_reminder_as_skipped(
    sched, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    appointment = book(sched, at(date(2031, 3, 12), 15), django_capture_on_commit_callbacks)
    mail.outbox.clear()
    due = reminders.send_time(appointment.start, 24 * 60, sched.clinic.tzinfo)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_reminders(sched, due + timedelta(hours=3)) == {"queued": 0, "skipped": 1}
        assert run_reminders(sched, due + timedelta(hours=4)) == {"queued": 0, "skipped": 0}
    [row] = reminder_rows(sched)
    assert row.status == Status.SKIPPED and "passed" in row.last_error
    assert mail.outbox == []
    # The two-hour reminder still goes out on time.
    with django_capture_on_commit_callbacks(execute=True):
        run_reminders(sched, appointment.start - timedelta(hours=2) + timedelta(minutes=1))
    assert [r.status for r in reminder_rows(sched)] == [Status.SKIPPED, Status.SENT]


def test_no_reminder_for_a_cancelled_appointment(sched, django_capture_on_commit_callbacks):
    from datetime import timedelta

    appointment = book(sched, at(date(2031, 3, 12), 15), django_capture_on_commit_callbacks)
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        cancel(appointment, by_patient=True)
    due = reminders.send_time(appointment.start, 24 * 60, sched.clinic.tzinfo)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_reminders(sched, due + timedelta(minutes=1)) == {"queued": 0, "skipped": 0}
    assert reminder_rows(sched) == []
    assert [r.message_type for r in outbox(sched)] == [
        MessageType.APPOINTMENT_BOOKED,
        MessageType.APPOINTMENT_CANCELLED,
    ]


CONTEXT = {"patient_name": "Erin", "date": "Montag, 3. März 2031", "time": "09:00", "sender_name": "Praxis"}


def test_templates_render_in_two_languages():
    english = render_message("appointment_booked", "en", CONTEXT)
    german = render_message("appointment_booked", "de", CONTEXT)
    assert english.subject.startswith("Your appointment on")
    assert german.subject == "Ihr Termin am Montag, 3. März 2031 um 09:00"
    assert "Guten Tag Erin" in german.text and "<p>Guten Tag Erin" in german.html
    assert render_message("appointment_booked", "xx", CONTEXT).subject == english.subject


def test_html_escapes_values_and_templates_see_plain_values_only():
    hostile = "<script>x</script>"
    context = {**CONTEXT, "patient_name": hostile, "patient_first_name": hostile}
    rendered = render_message("appointment_booked", "en", context)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<script>x</script>" in rendered.text


@pytest.mark.parametrize(
    "body",
    [
        "{% if %}broken",  # does not parse
        '{% include "office/base.html" %}',  # no template files are reachable
        "{% load static %}{% static 'x' %}",  # no libraries
        "{{ date|date:'Y' }}{% for %}",
    ],
)
def test_broken_custom_template_falls_back_to_the_default(body):
    rendered = preview("appointment_booked", "de", "Termin {{ date }}", body, "")
    assert "body" in rendered.fell_back
    assert "Guten Tag" in rendered.text
    assert rendered.subject == "Termin Monday, 3 March 2031"  # the preview's sample values


def test_broken_custom_template_still_sends(sched, django_capture_on_commit_callbacks):
    with scope(organization=sched.org.pk):
        MessageTemplate.objects.create(
            organization=sched.org,
            clinic=sched.clinic,
            message_type=MessageType.APPOINTMENT_BOOKED,
            language="en",
            subject="{% if %}",
            body="{% include 'x.html' %}",
        )
    book(sched, at(date(2031, 3, 12), 15), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Your appointment on")
    assert outbox(sched)[0].status == Status.SENT


def test_custom_template_is_used(sched, django_capture_on_commit_callbacks):
    with scope(organization=sched.org.pk):
        MessageTemplate.objects.create(
            organization=sched.org,
            clinic=sched.clinic,
            message_type=MessageType.APPOINTMENT_BOOKED,
            language="en",
            subject="See you {{ date }}",
            body="Hi {{ patient_name }}!",
        )
    book(sched, at(date(2031, 3, 12), 15), django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject == "See you Wednesday, 12 March 2031"
    assert mail.outbox[0].body.startswith("Hi Erin")


def test_text_messages_are_trimmed_to_three_segments():
    assert sms.segments("a" * 160) == 1 and sms.segments("a" * 161) == 2
    assert sms.segments("é" * 160) == 1  # é is in GSM-7
    assert sms.segments("ł" * 70) == 1 and sms.segments("ł" * 71) == 2
    long_gsm = sms.fit_to_segments("word " * 200)
    assert len(long_gsm) <= 459 and long_gsm.endswith("...") and sms.segments(long_gsm) == 3
    long_ucs = sms.fit_to_segments("привет " * 100)
    assert len(long_ucs) <= 201 and long_ucs.endswith("…") and sms.segments(long_ucs) == 3
    assert sms.fit_to_segments("{" * 300).count("{") == 228  # extension characters count twice
