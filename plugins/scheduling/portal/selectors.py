"""Reads behind scheduling's patient pages in the portal: what a clinic offers online, its free times,
and a patient's own appointments. Every function takes the clinic (or the organization's clinics) the
portal resolved, and runs inside that organization's scope."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date

from core.tenancy.models import Clinic, Membership

from ..models import Appointment, Service, Status
from ..selectors import (
    active_services,
    booking_policy,
    load_inputs,
    offering_practitioner_ids,
    slots_from_inputs,
)

# How many of a patient's appointments "My appointments" lists per organization, newest first.
LISTED_APPOINTMENTS = 200


def online_mode(clinic: Clinic) -> str:
    """``instant``, ``approval`` or ``off``."""
    return booking_policy(clinic).online_mode


def online_services(clinic: Clinic) -> list[Service]:
    return list(active_services(clinic).filter(bookable_online=True).order_by("name", "id"))


def online_service(clinic: Clinic, service_id) -> Service | None:
    """A service of ``clinic`` bookable online, by an id from the address (None for anything else)."""
    pk = positive_int(service_id)
    if pk is None:
        return None
    return next((s for s in online_services(clinic) if s.pk == pk), None)


def practitioners_for(clinic: Clinic, service: Service) -> list[Membership]:
    ids = offering_practitioner_ids(clinic, service)
    return list(
        Membership.objects.filter(organization_id=clinic.organization_id, pk__in=ids)
        .select_related("user")
        .order_by("display_name", "user__full_name", "id")
    )


def free_slots(
    clinic: Clinic,
    service: Service,
    practitioner_id: int | None,
    day: date,
    days: int = 1,
    exclude_appointment_id: int | None = None,
) -> list:
    """Free times of ``service`` from ``day`` for ``days`` days, with one practitioner or anyone."""
    offering = offering_practitioner_ids(clinic, service)
    if practitioner_id is not None:
        offering = [pk for pk in offering if pk == practitioner_id]
    inputs = load_inputs(
        clinic,
        service,
        offering,
        day,
        day + timedelta(days=days - 1),
        exclude_appointment_id=exclude_appointment_id,
    )
    return slots_from_inputs(inputs, now=timezone.now())


def next_free_slots(
    clinic: Clinic, service: Service, practitioner_id: int | None, after: datetime, limit: int = 6
) -> list:
    """The first ``limit`` free times from ``after`` over the next two weeks."""
    found = free_slots(clinic, service, practitioner_id, after.astimezone(clinic.tzinfo).date(), days=14)
    return [s for s in found if s.start >= after][:limit]


def patient_appointments(clinics: list[Clinic], patient_id: int, limit: int | None = LISTED_APPOINTMENTS):
    """The patient's appointments at ``clinics`` (all of one organization), newest first."""
    if not clinics:
        return []
    rows = (
        Appointment.objects.filter(
            organization_id=clinics[0].organization_id,
            patient_id=patient_id,
            clinic_id__in=[c.pk for c in clinics],
        )
        .select_related("clinic", "service", "practitioner__user")
        .order_by("-start", "-id")
    )
    return list(rows[:limit] if limit else rows)


def patient_may_change(appointment: Appointment, policy) -> bool:
    """Patients may move or cancel a booked or requested appointment up to the clinic's minimum notice."""
    if appointment.status not in (Status.REQUESTED, Status.BOOKED):
        return False
    notice = timedelta(minutes=policy.min_notice_minutes)
    return appointment.start - timezone.now() >= notice


def cancellation_deadline(appointment: Appointment, policy):
    """The last moment the patient may cancel online: the clinic's minimum notice or its cancellation
    notice before the start, whichever is earlier."""
    notice = max(
        timedelta(minutes=policy.min_notice_minutes), timedelta(hours=policy.cancellation_notice_hours)
    )
    return appointment.start - notice


def patient_may_cancel(appointment: Appointment, policy) -> bool:
    """Patients may cancel a booked or requested appointment online until the cancellation deadline."""
    if appointment.status not in (Status.REQUESTED, Status.BOOKED):
        return False
    return timezone.now() <= cancellation_deadline(appointment, policy)


def positive_int(value) -> int | None:
    try:
        parsed = int(str(value))
    except (TypeError, ValueError):
        return None
    return parsed if 0 < parsed < 2**63 else None


def parse_day(value) -> date | None:
    """A day from the address (``2031-03-03``); None for anything else, impossible dates included."""
    try:
        return parse_date(str(value or "")[:10])
    except ValueError:
        return None


def parse_start(value, clinic: Clinic) -> datetime | None:
    """A time from a form or address, in the clinic's zone when it names none."""
    try:
        start = datetime.fromisoformat(str(value)[:40])
    except ValueError:
        return None
    if start.tzinfo is None:
        start = start.replace(tzinfo=clinic.tzinfo)
    return start


def online_bookable_practitioner_ids(clinic: Clinic, practitioner_ids: list[int]) -> set[int]:
    """Those of ``practitioner_ids`` who offer a service of ``clinic`` that is bookable online. One query."""
    from ..models import ServicePractitioner

    return set(
        ServicePractitioner.objects.filter(
            organization_id=clinic.organization_id,
            service__clinic=clinic,
            service__active=True,
            service__bookable_online=True,
            membership_id__in=practitioner_ids,
        ).values_list("membership_id", flat=True)
    )


def chosen_practitioner(clinic: Clinic, value: str | None) -> Membership | None:
    """The practitioner a link to the booking page names (``?practitioner=7``, from the portal's team
    section), when they take online bookings at ``clinic``; None for anything else."""
    pk = positive_int(value)
    if pk is None or not online_bookable_practitioner_ids(clinic, [pk]):
        return None
    return Membership.objects.filter(organization_id=clinic.organization_id, pk=pk, is_active=True).first()


def services_offered_by(clinic: Clinic, services: list[Service], practitioner: Membership) -> list[Service]:
    """Those of ``services`` that ``practitioner`` offers at ``clinic``. One query."""
    from ..models import ServicePractitioner

    offered = set(
        ServicePractitioner.objects.filter(
            organization_id=clinic.organization_id,
            membership=practitioner,
            service_id__in=[s.pk for s in services],
        ).values_list("service_id", flat=True)
    )
    return [s for s in services if s.pk in offered]
