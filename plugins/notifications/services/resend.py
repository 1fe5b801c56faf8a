"""Sending a failed message again, from the back office's button or the API."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import enqueue_on_commit

from ..models import Channel, OutboxMessage, Status
from .config import settings_for
from .delivery import refusal
from .outbox import SEND_TASK
from .phones import normalize_phone


def retry(message: OutboxMessage, now: datetime | None = None) -> OutboxMessage:
    """Put a failed message back in the queue for a fresh round of attempts (the back office's button)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().get(
            organization_id=message.organization_id, pk=message.pk
        )
        if locked.status != Status.FAILED:
            raise ValidationError(_("Only failed messages can be sent again."))
        refused = refusal(locked, settings_for(locked.clinic))
        if refused:
            raise ValidationError(refused)
        if locked.channel == Channel.SMS and locked.patient_id:
            number = normalize_phone(locked.patient.phone, locked.clinic, locked.patient)
            if number is None:
                raise ValidationError(_("The phone number is still not valid. Correct the patient's number."))
            locked.recipient = number
        elif locked.channel == Channel.EMAIL and locked.patient_id:
            # The address may have been added or corrected since: send to the one on the record now.
            if not locked.patient.email:
                raise ValidationError(_("The patient still has no email address. Add one to their record."))
            locked.recipient = locked.patient.email
        locked.status, locked.attempts, locked.next_attempt_at = Status.QUEUED, 0, now
        locked.save(update_fields=["status", "attempts", "next_attempt_at", "recipient"])
        enqueue_on_commit(SEND_TASK, locked.clinic_id, message_id=locked.pk)
    return locked
