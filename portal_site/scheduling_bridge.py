"""The portal's booking and "my appointments" use the scheduling module's services and selectors.

Known coupling (docs/decisions.md): every import of ``plugins.scheduling`` happens inside a function that
first checks the module is on for the clinic; nothing here runs for a clinic without scheduling.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.plugins.gating import is_module_enabled


class SchedulingOff(Exception):
    pass


def _require(clinic) -> None:
    if not is_module_enabled(clinic, "scheduling"):
        raise SchedulingOff


def online_mode(clinic) -> str:
    """``instant``, ``approval`` or ``off`` (also ``off`` when scheduling is off for the clinic)."""
    if not is_module_enabled(clinic, "scheduling"):
        return "off"
    from plugins.scheduling.selectors import booking_policy

    return booking_policy(clinic).online_mode


def services(clinic) -> list:
    _require(clinic)
    from plugins.scheduling.selectors import active_services

    return list(active_services(clinic).filter(bookable_online=True).order_by("name", "id"))


def service(clinic, service_id) -> object | None:
    try:
        pk = int(service_id)
    except (TypeError, ValueError):
        return None
    return next((s for s in services(clinic) if s.pk == pk), None)


def practitioners_for(clinic, svc) -> list:
    _require(clinic)
    from core.tenancy.models import Membership
    from plugins.scheduling.selectors import offering_practitioner_ids

    ids = offering_practitioner_ids(clinic, svc)
    return list(
        Membership.objects.filter(organization_id=clinic.organization_id, pk__in=ids)
        .select_related("user")
        .order_by("display_name", "user__full_name", "id")
    )


def slots(
    clinic, svc, practitioner_id: int | None, day: date, days: int = 1, exclude_appointment_id=None
) -> list:
    _require(clinic)
    from plugins.scheduling.selectors import load_inputs, offering_practitioner_ids, slots_from_inputs

    offering = offering_practitioner_ids(clinic, svc)
    if practitioner_id is not None:
        offering = [pk for pk in offering if pk == practitioner_id]
    inputs = load_inputs(
        clinic,
        svc,
        offering,
        day,
        day + timedelta(days=days - 1),
        exclude_appointment_id=exclude_appointment_id,
    )
    return slots_from_inputs(inputs, now=timezone.now())


def next_slots(clinic, svc, practitioner_id: int | None, after: datetime, limit: int = 6) -> list:
    found = slots(clinic, svc, practitioner_id, after.astimezone(clinic.tzinfo).date(), days=14)
    return [s for s in found if s.start >= after][:limit]


@dataclass
class BookingResult:
    appointment: object | None = None
    taken: bool = False
    alternatives: list | None = None


def book(clinic, *, patient, svc, practitioner_id: int, start: datetime, by) -> BookingResult:
    _require(clinic)
    from core.tenancy.models import Membership
    from plugins.scheduling.models import Channel
    from plugins.scheduling.services import SlotTaken, book_appointment

    practitioner = Membership.objects.filter(
        organization_id=clinic.organization_id, pk=practitioner_id
    ).first()
    if practitioner is None:
        raise ValidationError(_("Choose a practitioner of this clinic."))
    try:
        appointment = book_appointment(
            clinic=clinic,
            practitioner=practitioner,
            patient=patient,
            service=svc,
            start=start,
            by=by,
            channel=Channel.PORTAL,
        )
    except SlotTaken:
        return BookingResult(taken=True, alternatives=next_slots(clinic, svc, None, start))
    return BookingResult(appointment=appointment)


def patient_appointments(clinic_ids_enabled, organization_id: int, patient_id: int) -> list:
    from plugins.scheduling.models import Appointment

    return list(
        Appointment.objects.filter(
            organization_id=organization_id, patient_id=patient_id, clinic_id__in=clinic_ids_enabled
        )
        .select_related("clinic", "service", "practitioner__user")
        .order_by("-start", "-id")[:200]
    )


def own_appointment(clinic, patient, appointment_id):
    _require(clinic)
    from plugins.scheduling.models import Appointment

    return (
        Appointment.objects.filter(
            organization_id=clinic.organization_id, clinic=clinic, patient=patient, pk=appointment_id
        )
        .select_related("clinic", "service", "practitioner__user")
        .first()
    )


def can_change(clinic, appointment) -> bool:
    """Patients may move or cancel a booked or requested appointment up to the clinic's minimum notice."""
    from plugins.scheduling.models import Status
    from plugins.scheduling.selectors import booking_policy

    if appointment.status not in (Status.REQUESTED, Status.BOOKED):
        return False
    notice = timedelta(minutes=booking_policy(clinic).min_notice_minutes)
    return appointment.start - timezone.now() >= notice


def cancel(clinic, appointment, *, by, version: int):
    _require(clinic)
    from plugins.scheduling import services as sched

    if not can_change(clinic, appointment):
        raise ValidationError(
            _("This appointment can no longer be cancelled online. Please call the clinic.")
        )
    try:
        return sched.cancel(
            appointment, by_patient=True, by=by, reason=_("Cancelled online"), expected_version=version
        )
    except sched.StaleAppointment:
        raise ValidationError(_("This appointment was changed meanwhile. Please look at it again.")) from None


def reschedule(clinic, appointment, *, by, version: int, start: datetime) -> BookingResult:
    _require(clinic)
    from plugins.scheduling import services as sched

    if not can_change(clinic, appointment):
        raise ValidationError(_("This appointment can no longer be moved online. Please call the clinic."))
    try:
        moved = sched.reschedule(appointment, expected_version=version, start=start, by=by)
    except sched.StaleAppointment:
        raise ValidationError(_("This appointment was changed meanwhile. Please look at it again.")) from None
    except sched.SlotTaken:
        return BookingResult(
            taken=True,
            alternatives=next_slots(clinic, appointment.service, appointment.practitioner_id, start),
        )
    return BookingResult(appointment=moved)
