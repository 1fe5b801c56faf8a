"""What a patient is owed (HIPAA §164.528): every disclosure of their information in the six years up to
today, except those for treatment, payment or health care operations and those entered in error; and,
for staff, every disclosure recorded about the patient."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, tzinfo

from django.utils import timezone

from core.patients.models import Patient
from core.tenancy.clinic_time import organization_zone

from ..models import NOT_ACCOUNTED, Disclosure

YEARS = 6


@dataclass
class Accounting:
    """One organization's accounting for one patient, over ``since``..``until`` (both days included)."""

    patient: Patient
    since: date
    until: date
    zone: tzinfo
    disclosures: list[Disclosure] = field(default_factory=list)


def years_before(day: date, years: int = YEARS) -> date:
    """The same calendar day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def records_of(patient: Patient) -> list[int]:
    """The patient's record and every record merged into it: a disclosure recorded on a duplicate before
    the merge is still the patient's."""
    ids, frontier = [patient.pk], [patient.pk]
    while frontier:
        frontier = list(
            Patient.objects.filter(organization_id=patient.organization_id, merged_into_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids += frontier
    return ids


def accounting_for(patient: Patient, *, today: date | None = None) -> Accounting:
    """The patient's accounting of disclosures as of ``today`` (the organization's today by default)."""
    zone = organization_zone(patient.organization_id)
    until = today or timezone.localdate(timezone=zone)
    since = years_before(until)
    disclosures = (
        Disclosure.objects.filter(
            organization_id=patient.organization_id,
            patient_id__in=records_of(patient),
            disclosed_on__gte=since,
            disclosed_on__lte=until,
            entered_in_error_at__isnull=True,
        )
        .exclude(purpose__in=NOT_ACCOUNTED)
        .order_by("-disclosed_on", "-id")
    )
    return Accounting(patient=patient, since=since, until=until, zone=zone, disclosures=list(disclosures))


def recorded_for(patient: Patient) -> list[Disclosure]:
    """Every disclosure recorded about the patient, newest first, for staff: entered-in-error ones and
    those for treatment, payment or operations included."""
    return list(
        Disclosure.objects.filter(organization_id=patient.organization_id, patient_id__in=records_of(patient))
        .select_related("recorded_by", "entered_in_error_by", "clinic")
        .order_by("-disclosed_on", "-id")
    )
