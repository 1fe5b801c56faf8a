"""Moving an appointment to another time or practitioner."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tenancy.models import Membership

from .. import waitlist
from ..models import Appointment, Room, Status
from ..validation import ask_modules
from .checks import aware, booking_facts, check_time, occupied, validate_booking
from .conflicts import SlotTaken, is_slot_conflict, lock_appointment
from .events import announce
from .free_slots import next_free_slots

MOVABLE = {Status.REQUESTED, Status.BOOKED}


@transaction.atomic
def reschedule(
    appointment: Appointment,
    *,
    expected_version: int,
    start: datetime,
    practitioner: Membership | None = None,
    room: Room | None | bool = False,
    by: Any = None,
    override: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Move an appointment. ``expected_version`` is required: a change made meanwhile by someone else
    raises ``StaleAppointment``. ``room=False`` keeps the room; None clears it."""
    if expected_version is None:
        raise ValidationError({"version": _("Send the version of the appointment you are changing.")})
    now = now or timezone.now()
    locked = lock_appointment(appointment, expected_version)
    if locked.status not in MOVABLE:
        raise ValidationError(_("Only booked or requested appointments can be moved."))
    clinic, service = locked.clinic, locked.service
    practitioner = practitioner or locked.practitioner
    new_room = locked.room if room is False else room
    start = aware(start).astimezone(UTC)
    # The same diary locks, in the same order, as a new booking (see diary_locks), taken by the facts'
    # query before anything in those diaries is read.
    rooms = [new_room.pk if new_room is not None else None]
    facts = booking_facts(clinic, practitioner, service, locked.patient, lock_rooms=rooms)
    validate_booking(
        clinic=clinic,
        practitioner=practitioner,
        patient=locked.patient,
        service=service,
        room=new_room,
        facts=facts,
    )
    check_time(
        clinic=clinic,
        practitioner=practitioner,
        service=service,
        start=start,
        override=override,
        now=now,
        facts=facts,
        exclude_appointment_id=locked.pk,
    )
    previous_start, previous_practitioner_id = locked.start, locked.practitioner_id
    previous_end = locked.end
    locked.start, locked.end = start, start + service.duration
    locked.occupied_start, locked.occupied_end = occupied(service, locked.start, locked.end)
    locked.practitioner = practitioner
    locked.allow_overlap = facts.allow_overlap
    locked.room = new_room
    locked.version += 1
    locked.updated_at = now
    ask_modules("reschedule", locked, by=by)
    _save_or_slot_taken(locked)
    if (previous_start, previous_practitioner_id) != (locked.start, locked.practitioner_id):
        waitlist.slot_freed(
            clinic,
            service.pk,
            previous_practitioner_id,
            previous_start,
            previous_end,
            now=now,
            freed_by_patient_id=locked.patient_id,
        )
    announce(
        "rescheduled",
        locked,
        by=by,
        previous_start=previous_start,
        previous_practitioner_id=previous_practitioner_id,
    )
    return locked


def _save_or_slot_taken(appointment: Appointment) -> None:
    """Save the moved appointment; ``SlotTaken`` when the database finds its new time taken meanwhile."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        if not is_slot_conflict(error):
            raise
        raise SlotTaken(
            _("This time was just taken."),
            next_free_slots(
                appointment.clinic,
                appointment.service,
                appointment.practitioner,
                appointment.start,
                exclude_appointment_id=appointment.pk,
            ),
        )
