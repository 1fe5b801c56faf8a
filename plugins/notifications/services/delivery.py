"""Delivering queued messages.

Delivery runs with the row locked, so two workers never send the same message; a failed attempt is retried
with exponential backoff by the periodic ``send_due`` scan until the last attempt, after which the message
is "failed".
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic

from .. import preferences
from ..models import Channel, MessageType, NotificationSettings, OutboxMessage, Status
from .backoff import max_attempts, retry_delay
from .config import sender_name, settings_for
from .quiet_hours import quiet_until
from .transports import PermanentFailure, send_email, send_sms

log = logging.getLogger(__name__)


def _reminder_still_due(message: OutboxMessage) -> bool:
    """A reminder is not sent for an appointment cancelled since it was recorded."""
    # Imported here: reminders reach this package through the module's event handlers.
    from ..reminders import appointment_model

    model = appointment_model(message.clinic)
    if model is None or message.related_id is None:
        return True
    return model.objects.filter(
        organization_id=message.organization_id, pk=message.related_id, status="booked"
    ).exists()


def refusal(message: OutboxMessage, config: NotificationSettings) -> str:
    """Why ``message`` may no longer go out (empty when it may): the clinic switched its channel off, or
    the patient withdrew consent or opted out of this kind of message since it was recorded."""
    if not preferences.clinic_uses(config, message.channel):
        return _("The clinic no longer sends messages on this channel.")
    if message.patient_id and not preferences.may_send(
        config, message.patient, message.message_type, message.channel
    ):
        return _("The patient no longer wants this message on this channel.")
    return ""


def deliver(message_id: int, now: datetime | None = None) -> OutboxMessage | None:
    """Send one queued message if it is due. Safe to call twice: a sent message is never sent again."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("clinic", "patient")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.status != Status.QUEUED:
            return message
        # Only a retry waits out its backoff; a first attempt goes as soon as a worker has it.
        if message.attempts and message.next_attempt_at and message.next_attempt_at > now:
            return message
        clinic = message.clinic
        config = settings_for(clinic)
        refused = refusal(message, config)
        if refused:
            message.status, message.last_error, message.next_attempt_at = Status.SKIPPED, refused, None
            message.save(update_fields=["status", "last_error", "next_attempt_at"])
            return message
        if message.channel == Channel.SMS:
            later = quiet_until(config, clinic, now)
            if later:
                message.next_attempt_at = later
                message.save(update_fields=["next_attempt_at"])
                return message
        if message.message_type == MessageType.APPOINTMENT_REMINDER and not _reminder_still_due(message):
            message.status = Status.SKIPPED
            message.last_error = _("The appointment is no longer booked.")
            message.save(update_fields=["status", "last_error"])
            return message
        message.attempts += 1
        sender = sender_name(clinic, config)
        try:
            if message.channel == Channel.EMAIL:
                message.provider_id = send_email(message, sender)[:200]
            else:
                message.provider_id = send_sms(message, sender)[:200]
        except PermanentFailure as error:
            message.status, message.last_error, message.next_attempt_at = Status.FAILED, str(error), None
        except Exception as error:  # any transport error: try again later, up to the last attempt
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= max_attempts():
                message.status, message.next_attempt_at = Status.FAILED, None
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
        else:
            message.status, message.sent_at, message.last_error = Status.SENT, now, ""
            message.next_attempt_at = None
        message.save(
            update_fields=["status", "attempts", "provider_id", "last_error", "sent_at", "next_attempt_at"]
        )
        log.info("message %s: %s after %s attempt(s)", message.pk, message.status, message.attempts)
        return message


def send_due(clinic: Clinic, now: datetime | None = None, limit: int = 200) -> int:
    """Send every queued message of ``clinic`` whose time has come (retries and quiet-hours deferrals)."""
    now = now or timezone.now()
    due = list(
        OutboxMessage.objects.filter(
            organization_id=clinic.organization_id,
            clinic=clinic,
            status=Status.QUEUED,
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due:
        deliver(message_id, now=now)
    return len(due)
