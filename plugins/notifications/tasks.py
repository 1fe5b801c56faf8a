"""Background work of the notifications module. Every task takes ids only and runs in the clinic's scope."""

from __future__ import annotations

from core.tasks import clinic_task

from . import reminders
from .services import delivery


@clinic_task(module="notifications")
def send_message(clinic, message_id: int):
    """Deliver one outbox message (enqueued once the row that records it has committed)."""
    delivery.deliver(message_id)


@clinic_task(module="notifications")
def send_due(clinic):
    """Every minute: retries whose backoff has passed and text messages held by quiet hours."""
    return delivery.send_due(clinic)


@clinic_task(module="notifications")
def create_reminders(clinic):
    """Every five minutes: record the reminders that are due (each is then sent by ``send_message``)."""
    return reminders.create_due_reminders(clinic)
