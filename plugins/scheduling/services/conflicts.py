"""The two ways a change to an appointment loses a race: the time was taken (``SlotTaken``) or the
appointment itself changed meanwhile (``StaleAppointment``), and the row lock that detects the latter."""

from __future__ import annotations

from django.db import IntegrityError
from django.utils.translation import gettext as _

from ..models import SLOT_CONSTRAINTS, Appointment
from ..selectors import Slot


class SlotTaken(Exception):
    """The time asked for is taken (or was taken a moment ago by someone else)."""

    def __init__(self, message: str, next_slots: list[Slot]):
        super().__init__(message)
        self.message = message
        self.next_slots = next_slots


class StaleAppointment(Exception):
    """The appointment changed since the caller loaded it (its version moved on)."""

    def __init__(self, current_version: int):
        super().__init__(_("This appointment was changed by someone else. Reload it and try again."))
        self.message = str(self.args[0])
        self.current_version = current_version


def is_slot_conflict(error: IntegrityError) -> bool:
    """Was ``error`` the database refusing an overlapping appointment (its exclusion constraints)?"""
    cause = getattr(error, "__cause__", None)
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)
    if name:
        return name in SLOT_CONSTRAINTS
    return any(c in str(error) for c in SLOT_CONSTRAINTS)


def lock_appointment(appointment: Appointment, expected_version: int | None) -> Appointment:
    """The appointment's row, locked for this transaction; ``StaleAppointment`` when its version is not
    ``expected_version`` (None skips that check)."""
    locked = (
        Appointment.objects.select_for_update()
        .select_related("clinic", "service", "practitioner")
        .get(organization_id=appointment.organization_id, pk=appointment.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleAppointment(locked.version)
    return locked
