"""The waitlist: patients waiting for a slot of a service (with one practitioner or anyone), between two
dates. When a booked time is given up (a cancellation, or a move elsewhere), the waiting entries it suits
are announced through ``clinic_waitlist_slot_freed`` once the change commits; notifications offer it.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.patients.models import Patient
from core.plugins import events
from core.plugins.events import emit
from core.tenancy.models import Clinic, Membership, MembershipClinic

from .models import Channel, Service, ServicePractitioner, WaitlistEntry, WaitlistStatus

MAX_WAIT_DAYS = 366
# At most this many entries ride along with one freed slot (the longest-waiting first).
MAX_ANNOUNCED = 20

TRANSITIONS: dict[str, set[str]] = {
    WaitlistStatus.WAITING: {WaitlistStatus.OFFERED, WaitlistStatus.BOOKED, WaitlistStatus.REMOVED},
    WaitlistStatus.OFFERED: {WaitlistStatus.WAITING, WaitlistStatus.BOOKED, WaitlistStatus.REMOVED},
    WaitlistStatus.BOOKED: set(),
    WaitlistStatus.REMOVED: {WaitlistStatus.WAITING},
}


@transaction.atomic
def join(
    *,
    clinic: Clinic,
    patient: Patient,
    service: Service,
    practitioner: Membership | None,
    earliest: date,
    latest: date,
    by=None,
    channel: str = Channel.OFFICE,
    notes: str = "",
    today: date | None = None,
) -> WaitlistEntry:
    org = clinic.organization_id
    today = today or timezone.now().astimezone(clinic.tzinfo).date()
    errors: dict[str, str] = {}
    if service.organization_id != org or service.clinic_id != clinic.pk or not service.active:
        errors["service"] = _("Choose an active service of this clinic.")
    if patient.organization_id != org or patient.merged_into_id or patient.archived:
        errors["patient"] = _("Choose an active patient of this organization.")
    if practitioner is not None:
        if practitioner.organization_id != org or not practitioner.is_active:
            errors["practitioner"] = _("Choose an active practitioner of this organization.")
        elif not MembershipClinic.objects.filter(
            organization_id=org, clinic=clinic, membership=practitioner
        ).exists():
            errors["practitioner"] = _("This practitioner does not work at this clinic.")
        elif (
            "service" not in errors
            and not ServicePractitioner.objects.filter(
                organization_id=org, service=service, membership=practitioner
            ).exists()
        ):
            errors["practitioner"] = _("This practitioner does not offer this service.")
    if latest < earliest:
        errors["latest"] = _("The end of the range must not be before its start.")
    elif latest < today:
        errors["latest"] = _("The range has already passed.")
    elif (latest - max(earliest, today)).days > MAX_WAIT_DAYS:
        errors["latest"] = _("Wait for at most %(days)s days.") % {"days": MAX_WAIT_DAYS}
    if errors:
        raise ValidationError(errors)
    # With no entry yet there is no row to lock: the same patient joining twice at once would both find
    # none. The lock on the (clinic, patient, service) key makes the second wait for the first to commit.
    _lock_wait(clinic, patient, service)
    if WaitlistEntry.objects.filter(
        organization_id=org,
        clinic=clinic,
        patient=patient,
        service=service,
        practitioner=practitioner,
        status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED],
        earliest__lte=latest,
        latest__gte=earliest,
    ).exists():
        raise ValidationError(_("This patient is already waiting for this service in these dates."))
    return WaitlistEntry.objects.create(
        organization_id=org,
        clinic=clinic,
        patient=patient,
        service=service,
        practitioner=practitioner,
        earliest=max(earliest, today),
        latest=latest,
        channel=channel,
        notes=(notes or "")[:300],
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )


def _lock_wait(clinic: Clinic, patient: Patient, service: Service) -> None:
    """Hold, until this transaction ends, the lock for ``patient`` waiting for ``service`` at ``clinic``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"scheduling.waitlist:{clinic.pk}:{patient.pk}:{service.pk}"],
        )


@transaction.atomic
def set_status(entry: WaitlistEntry, status: str) -> WaitlistEntry:
    if status not in WaitlistStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    locked = WaitlistEntry.objects.select_for_update().get(organization_id=entry.organization_id, pk=entry.pk)
    if status == locked.status:
        return locked
    if status not in TRANSITIONS[locked.status]:
        raise ValidationError(
            {
                "status": _("A waitlist entry that is “%(current)s” cannot become “%(new)s”.")
                % {
                    "current": WaitlistStatus(locked.status).label,
                    "new": WaitlistStatus(status).label,
                }
            }
        )
    locked.status = status
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "updated_at"])
    return locked


def matching(clinic: Clinic, service_id: int, practitioner_id: int, start: datetime) -> list[WaitlistEntry]:
    """Waiting entries a slot of ``service_id`` with ``practitioner_id`` starting at ``start`` suits."""
    day = start.astimezone(clinic.tzinfo).date()
    return list(
        WaitlistEntry.objects.filter(
            Q(practitioner_id=practitioner_id) | Q(practitioner__isnull=True),
            organization_id=clinic.organization_id,
            clinic=clinic,
            service_id=service_id,
            status=WaitlistStatus.WAITING,
            earliest__lte=day,
            latest__gte=day,
        )
        .select_related("patient", "service")
        .order_by("created_at", "id")[:MAX_ANNOUNCED]
    )


def slot_freed(
    clinic: Clinic,
    service_id: int,
    practitioner_id: int,
    start: datetime,
    end: datetime,
    *,
    now=None,
    freed_by_patient_id: int | None = None,
) -> list[WaitlistEntry]:
    """Called inside the change that gave the time up: find the waiting entries it suits and announce them
    once the change commits. A time already past frees nothing, and the patient who gave the time up is
    not offered it."""
    if start <= (now or timezone.now()):
        return []
    entries = [
        entry
        for entry in matching(clinic, service_id, practitioner_id, start)
        if entry.patient_id != freed_by_patient_id
    ]
    if entries:
        waiting = tuple(
            events.WaitingPatient(
                entry_id=entry.pk,
                patient_id=entry.patient_id,
                service_name=entry.service.name if entry.service_id else "",
            )
            for entry in entries
        )
        emit(
            clinic,
            events.WaitlistSlotFreed(
                waiting=waiting, start=start, end=end, freed_by_patient_id=freed_by_patient_id
            ),
        )
    return entries


def open_entries(clinic: Clinic):
    return (
        WaitlistEntry.objects.filter(
            organization_id=clinic.organization_id,
            clinic=clinic,
            status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED],
        )
        .select_related("patient", "service", "practitioner__user")
        .order_by("created_at", "id")
    )
