"""Booking one appointment, from the office, the API or a clinic's portal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.patients.models import Patient, PatientClinic
from core.tenancy.models import Clinic, Membership

from ..models import Appointment, AppointmentSeries, BookingPolicy, Channel, OnlineMode, Room, Service, Status
from ..validation import ask_modules
from .checks import aware, booking_facts, check_time, occupied, validate_booking
from .conflicts import SlotTaken, is_slot_conflict
from .diary_locks import with_retries
from .events import announce
from .free_slots import next_free_slots


def book_appointment(
    *,
    clinic: Clinic,
    practitioner: Membership,
    patient: Patient,
    service: Service,
    start: datetime,
    by: Any = None,
    channel: str = Channel.OFFICE,
    room: Room | None = None,
    notes: str = "",
    override: bool = False,
    series: AppointmentSeries | None = None,
    now: datetime | None = None,
    policy: BookingPolicy | None = None,
) -> Appointment:
    """Book ``service`` with ``practitioner`` for ``patient`` at ``start``.

    Online bookings (channel "portal") follow the clinic's online mode: instant bookings are booked,
    otherwise they are requests awaiting approval; they never override working hours or the window.
    ``policy`` is the clinic's booking policy when the caller has read it already (it is read otherwise).
    """
    now = now or timezone.now()
    start = aware(start).astimezone(UTC)

    def attempt() -> Appointment:
        return _book_once(
            clinic=clinic,
            practitioner=practitioner,
            patient=patient,
            service=service,
            start=start,
            by=by,
            channel=channel,
            room=room,
            notes=notes,
            override=override,
            series=series,
            now=now,
            policy=policy,
        )

    def give_up() -> SlotTaken:
        return SlotTaken(
            _("Someone else is booking this time right now. Choose another time or try again."),
            next_free_slots(clinic, service, practitioner, start, policy=policy),
        )

    return with_retries(attempt, give_up)


def _book_once(
    *,
    clinic: Clinic,
    practitioner: Membership,
    patient: Patient,
    service: Service,
    start: datetime,
    by: Any,
    channel: str,
    room: Room | None,
    notes: str,
    override: bool,
    series: AppointmentSeries | None,
    now: datetime,
    policy: BookingPolicy | None,
) -> Appointment:
    """One try at the booking, in one transaction (a savepoint inside a caller's)."""
    try:
        with transaction.atomic():
            # Takes the practitioner's and the room's diary locks before anything of theirs is read.
            facts = booking_facts(
                clinic,
                practitioner,
                service,
                patient,
                policy=policy,
                lock_rooms=[room.pk if room is not None else None],
            )
            validate_booking(
                clinic=clinic,
                practitioner=practitioner,
                patient=patient,
                service=service,
                room=room,
                facts=facts,
            )
            status = Status.BOOKED
            if channel == Channel.PORTAL:
                override = False
                status = _online_status(facts.policy, service)
            end = start + service.duration
            if end <= start:
                raise ValidationError({"start": _("The appointment must end after it starts.")})
            check_time(
                clinic=clinic,
                practitioner=practitioner,
                service=service,
                start=start,
                override=override,
                now=now,
                facts=facts,
            )
            occupied_start, occupied_end = occupied(service, start, end)
            appointment = Appointment(
                organization_id=clinic.organization_id,
                clinic=clinic,
                practitioner=practitioner,
                patient=patient,
                service=service,
                room=room,
                start=start,
                end=end,
                occupied_start=occupied_start,
                occupied_end=occupied_end,
                allow_overlap=facts.allow_overlap,
                status=status,
                channel=channel,
                booked_by=by if getattr(by, "is_authenticated", False) else None,
                staff_notes=notes,
                series=series,
            )
            ask_modules("book", appointment, by=by)
            appointment.save()
            if not facts.patient_linked:
                # Two first bookings of the same patient at once may both get here: the second adds nothing.
                PatientClinic.objects.bulk_create(
                    [PatientClinic(organization_id=clinic.organization_id, patient=patient, clinic=clinic)],
                    ignore_conflicts=True,
                )
            announce("booked", appointment, by=by, series=series)
            return appointment
    except IntegrityError as error:
        if not is_slot_conflict(error):
            raise
        # The booking's transaction (or its savepoint, inside a caller's) has been rolled back by now, so
        # the next free times are read from a usable connection without a savepoint of their own.
        raise SlotTaken(
            _("This time was just taken."),
            next_free_slots(
                clinic, service, practitioner, start, policy=facts.policy, allow_overlap=facts.allow_overlap
            ),
        ) from None


def _online_status(policy: BookingPolicy, service: Service) -> str:
    """An online booking is booked at once or awaits approval, as the clinic's online mode says."""
    if policy.online_mode == OnlineMode.OFF or not service.bookable_online:
        raise ValidationError(_("This service cannot be booked online."))
    if policy.online_mode == OnlineMode.APPROVAL:
        return Status.REQUESTED
    return Status.BOOKED
