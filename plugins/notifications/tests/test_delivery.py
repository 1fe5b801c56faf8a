"""Delivery end to end: a real SMTP server and a fake text-message provider on loopback ports."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

import pytest
from django.utils import timezone
from django_scopes import scope

from core.plugins import events
from core.plugins.events import emit
from plugins.notifications.models import Channel, MessageType, Status
from plugins.notifications.selectors import trouble_summary
from plugins.notifications.services.config import settings_for
from plugins.notifications.services.delivery import send_due
from plugins.notifications.services.quiet_hours import quiet_until
from plugins.notifications.services.resend import retry
from plugins.scheduling.tests.conftest import MONDAY

from .conftest import at
from .helpers import book, configure, outbox

pytestmark = pytest.mark.django_db


def sms_patient(t, phone="+12125550123"):
    t.patient.consent_sms = True
    t.patient.phone = phone
    t.patient.save()
    configure(t, sms_enabled=True, quiet_hours_start=None, quiet_hours_end=None)


def test_booking_sends_exactly_one_confirmation_email(sched, smtp, django_capture_on_commit_callbacks):
    appointment = book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 1
    envelope = smtp.messages[0]
    assert envelope.rcpt_tos == [sched.patient.email]
    parsed = message_from_bytes(envelope.content)
    assert "Your appointment on Monday, 3 March 2031 at 09:00" in parsed["Subject"]
    kinds = [part.get_content_type() for part in parsed.walk()]
    assert "text/plain" in kinds and "text/html" in kinds
    [row] = outbox(sched)
    assert (row.status, row.channel, row.message_type) == (
        Status.SENT,
        Channel.EMAIL,
        MessageType.APPOINTMENT_BOOKED,
    )
    assert row.attempts == 1 and row.provider_id == parsed["Message-ID"]
    assert row.idempotency_key == f"appt:{appointment.pk}:appointment_booked:v1:email"
    assert row.related_type == "appointment" and row.related_id == appointment.pk


def test_mail_server_down_then_delivered_by_the_retry_scan(sched, smtp, django_capture_on_commit_callbacks):
    smtp.stop()
    appointment = book(sched, at(MONDAY, 10), django_capture_on_commit_callbacks)
    assert appointment.pk  # the booking stands
    [row] = outbox(sched)
    assert row.status == Status.QUEUED and row.attempts == 1 and "Connection" in row.last_error
    assert row.next_attempt_at > timezone.now()
    smtp.start()
    with scope(organization=sched.org.pk):
        assert send_due(sched.clinic) == 0  # backoff not over yet
        assert send_due(sched.clinic, now=timezone.now() + timedelta(minutes=2)) == 1
    assert len(smtp.messages) == 1
    [row] = outbox(sched)
    assert row.status == Status.SENT and row.attempts == 2 and row.last_error == ""


def test_the_same_event_fired_again_sends_once(sched, smtp, django_capture_on_commit_callbacks):
    appointment = book(sched, at(MONDAY, 11), django_capture_on_commit_callbacks)
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        booked = events.AppointmentChanged(
            change="booked",
            appointment_id=appointment.pk,
            version=appointment.version,
            status=appointment.status,
            start=appointment.start,
            end=appointment.end,
            patient_id=appointment.patient_id,
            practitioner_id=appointment.practitioner_id,
            practitioner_name=sched.doctor.name,
            service_name="Consultation",
        )
        for _ in range(2):
            emit(sched.clinic, booked)
    assert len(smtp.messages) == 1
    assert len(outbox(sched)) == 1


def test_sms_goes_to_the_provider_with_its_message_id(
    sched, smtp, sms_provider, django_capture_on_commit_callbacks
):
    sms_patient(sched)
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    [request] = sms_provider.requests
    assert request["path"] == "/v1/accounts/acct-1/messages"
    assert request["auth"] == "Bearer secret-token"
    assert request["to"] == "+12125550123" and "confirmed" in request["body"]
    [row] = outbox(sched, channel=Channel.SMS)
    assert row.status == Status.SENT and row.provider_id == "msg-1"
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("mode", ["error", "slow"])
def test_sms_provider_failing_is_retried_then_failed(
    sched, smtp, sms_provider, settings, mode, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    sms_provider.mode = mode
    sms_patient(sched)
    appointment = book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    assert appointment.status == "booked"
    assert len(smtp.messages) == 1  # email is unaffected
    now = timezone.now()
    for minutes in (2, 5):  # backoff 1 minute, then 2
        with scope(organization=sched.org.pk):
            send_due(sched.clinic, now=now + timedelta(minutes=minutes))
    [row] = outbox(sched, channel=Channel.SMS)
    assert row.status == Status.FAILED and row.attempts == 3
    assert ("HTTP 500" if mode == "error" else "timed out") in row.last_error
    assert len(sms_provider.requests) == 3
    with scope(organization=sched.org.pk):  # nothing more is tried
        assert send_due(sched.clinic, now=now + timedelta(days=1)) == 0


def test_invalid_phone_is_recorded_failed_and_nothing_else_fails(
    sched, smtp, sms_provider, django_capture_on_commit_callbacks
):
    sms_patient(sched, phone="12345")
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    [sms_row] = outbox(sched, channel=Channel.SMS)
    assert sms_row.status == Status.FAILED and "not a valid number" in sms_row.last_error
    assert sms_provider.requests == []
    assert outbox(sched, channel=Channel.EMAIL)[0].status == Status.SENT


def test_consent_and_preferences_are_honoured(sched, smtp, sms_provider, django_capture_on_commit_callbacks):
    from plugins.notifications.models import PatientPreference

    sms_patient(sched)
    sched.patient.consent_sms = False
    sched.patient.save()
    with scope(organization=sched.org.pk):
        PatientPreference.objects.create(
            organization=sched.org,
            patient=sched.patient,
            message_type=MessageType.APPOINTMENT_BOOKED,
            email=False,
        )
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    assert outbox(sched) == [] and smtp.messages == [] and sms_provider.requests == []


def test_quiet_hours_hold_text_messages_until_morning(sched, sms_provider):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    configure(sched, sms_enabled=True, quiet_hours_start=time(21), quiet_hours_end=time(8))
    with scope(organization=sched.org.pk):
        config = settings_for(sched.clinic)
        late = datetime(2031, 3, 8, 23, 30, tzinfo=ZoneInfo("America/New_York"))
        assert quiet_until(config, sched.clinic, late) == datetime(
            2031, 3, 9, 8, 0, tzinfo=ZoneInfo("America/New_York")
        )
        assert quiet_until(config, sched.clinic, late.replace(hour=12)) is None


def test_retry_limits_come_from_settings_or_the_environment(settings, monkeypatch):
    from plugins.notifications.services.backoff import max_attempts, retry_delay

    assert max_attempts() == 5 and retry_delay(1) == timedelta(minutes=1)
    monkeypatch.setenv("NOTIFICATIONS_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("NOTIFICATIONS_RETRY_BASE_SECONDS", "30")
    assert max_attempts() == 3 and retry_delay(3) == timedelta(minutes=2)
    assert retry_delay(30) == timedelta(hours=6)
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 7  # a setting wins over the environment
    assert max_attempts() == 7


def test_a_patient_without_an_address_is_recorded_as_not_sent_not_as_a_failure(
    sched, smtp, django_capture_on_commit_callbacks
):
    sched.patient.email = ""
    sched.patient.save()
    appointment = book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    assert appointment.status == "booked"  # the booking is unaffected
    [row] = outbox(sched)
    assert (row.status, row.channel, row.recipient) == (Status.NO_ADDRESS, Channel.EMAIL, "")
    assert row.get_status_display() == "Not sent: no address"
    assert row.last_error == "The patient has no email address." and smtp.messages == []
    with scope(organization=sched.org.pk):
        from django.core.exceptions import ValidationError

        # Nothing failed: there is nothing to send again, the record needs an address.
        with pytest.raises(ValidationError, match="Only failed messages"):
            retry(row)
        summary = trouble_summary(sched.clinic)
    assert (summary["failed"], summary["queued"], summary["failures"]) == (0, 0, [])


def test_a_patient_who_wants_texts_only_but_has_no_number(sched, django_capture_on_commit_callbacks):
    from plugins.notifications.models import PatientPreference

    configure(sched, sms_enabled=True)
    sched.patient.consent_sms = True
    sched.patient.save()
    with scope(organization=sched.org.pk):
        PatientPreference.objects.create(
            organization=sched.org,
            patient=sched.patient,
            message_type=MessageType.APPOINTMENT_BOOKED,
            email=False,
        )
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    [row] = outbox(sched)
    assert (row.status, row.channel, row.last_error) == (
        Status.NO_ADDRESS,
        Channel.SMS,
        "The patient has no phone number.",
    )
