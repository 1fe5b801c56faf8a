"""An appointment's life: arrivals, completions, no-shows, cancellations and approving requests."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import waitlist
from ..models import Appointment, Status
from ..validation import ask_modules
from .conflicts import lock_appointment
from .events import announce

TRANSITIONS: dict[str, set[str]] = {
    Status.REQUESTED: {Status.BOOKED, Status.CANCELLED_CLINIC, Status.CANCELLED_PATIENT},
    Status.BOOKED: {
        Status.ARRIVED,
        Status.IN_PROGRESS,
        Status.NO_SHOW,
        Status.CANCELLED_CLINIC,
        Status.CANCELLED_PATIENT,
    },
    Status.ARRIVED: {Status.IN_PROGRESS, Status.COMPLETED, Status.BOOKED},
    Status.IN_PROGRESS: {Status.COMPLETED},
    Status.COMPLETED: set(),
    Status.CANCELLED_PATIENT: set(),
    Status.CANCELLED_CLINIC: set(),
    Status.NO_SHOW: set(),
}
CANCELLED = (Status.CANCELLED_CLINIC, Status.CANCELLED_PATIENT)


@transaction.atomic
def set_status(
    appointment: Appointment,
    status: str,
    *,
    by: Any = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Appointment:
    """Move an appointment along its life: the allowed steps are in ``TRANSITIONS``."""
    if status not in Status.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    locked = lock_appointment(appointment, expected_version)
    previous = locked.status
    if status == previous:
        return locked
    if status not in TRANSITIONS[previous]:
        raise ValidationError(
            {
                "status": _("An appointment that is “%(current)s” cannot become “%(new)s”.")
                % {"current": Status(previous).label, "new": Status(status).label}
            }
        )
    locked.status = status
    if status in CANCELLED:
        locked.cancellation_reason = (reason or "")[:300]
    locked.version += 1
    locked.updated_at = timezone.now()
    ask_modules("status", locked, by=by)
    locked.save(update_fields=["status", "cancellation_reason", "version", "updated_at"])
    announce("status_changed", locked, by=by, previous_status=previous)
    if status in CANCELLED:
        announce("cancelled", locked, by=by, reason=locked.cancellation_reason)
        waitlist.slot_freed(
            locked.clinic,
            locked.service_id,
            locked.practitioner_id,
            locked.start,
            locked.end,
            freed_by_patient_id=locked.patient_id,
        )
    elif status == Status.NO_SHOW:
        announce("no_show", locked, by=by)
    elif status == Status.COMPLETED:
        announce("completed", locked, by=by)
    elif previous == Status.REQUESTED and status == Status.BOOKED:
        announce("approved", locked, by=by)
    return locked


def cancel(
    appointment: Appointment,
    *,
    by_patient: bool,
    reason: str = "",
    by: Any = None,
    expected_version: int | None = None,
) -> Appointment:
    """Cancel on the patient's or the clinic's behalf."""
    status = Status.CANCELLED_PATIENT if by_patient else Status.CANCELLED_CLINIC
    return set_status(appointment, status, by=by, reason=reason, expected_version=expected_version)


def approve_request(appointment: Appointment, *, by: Any = None) -> Appointment:
    """Accept an online request: it becomes a booked appointment."""
    if appointment.status != Status.REQUESTED:
        raise ValidationError(_("Only requests can be approved."))
    return set_status(appointment, Status.BOOKED, by=by)


def decline_request(appointment: Appointment, *, reason: str = "", by: Any = None) -> Appointment:
    """Turn down an online request: the clinic cancels it."""
    if appointment.status != Status.REQUESTED:
        raise ValidationError(_("Only requests can be declined."))
    return set_status(appointment, Status.CANCELLED_CLINIC, by=by, reason=reason or _("Request declined."))
