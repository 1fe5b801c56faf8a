"""Background work of the privacy pages. Tasks take ids only and run in the clinic's scope."""

from __future__ import annotations

from core.tasks import clinic_task

from . import emails


@clinic_task()
def send_notice_reminder(clinic, reminder_id: int) -> bool:
    """Send one privacy-notice reminder (queued once the row that records it has committed)."""
    return emails.send_notice_reminder(clinic, reminder_id)
