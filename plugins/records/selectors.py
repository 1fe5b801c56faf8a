"""Reads of clinical records, each a bounded number of indexed queries whatever the history's length.

Every function takes the acting member's context where privacy matters: a note the member may not read
is never returned, not even as a count.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from core.patients.models import Patient
from core.tenancy.models import Role

from .models import (
    Allergy,
    AllergyStatus,
    ChartFile,
    Encounter,
    Medication,
    MedicationStatus,
    Note,
    NoteStatus,
    Privacy,
    Problem,
    ProblemStatus,
    Vital,
)


def note_privacy_q(member) -> Q:
    """Which notes the member's role and authorship let them read, by privacy: the filter twin of the
    ``privacy_allows`` rule."""
    mine = Q(author_id=member.membership.pk)
    if member.role == Role.PRACTITIONER:
        return Q(privacy__in=[Privacy.CLINICAL, Privacy.PRACTITIONERS]) | mine
    return Q(privacy=Privacy.CLINICAL) | mine


def readable_notes(member, patient: Patient) -> QuerySet[Note]:
    """The patient's notes the member may read: the queryset twin of the ``records.view_note`` rule
    (the caller has checked that the member reads this patient's chart)."""
    notes = Note.objects.filter(organization_id=patient.organization_id, patient=patient)
    return notes.filter(note_privacy_q(member))


def active_allergies(patient: Patient) -> QuerySet[Allergy]:
    return Allergy.objects.filter(
        organization_id=patient.organization_id,
        patient=patient,
        status=AllergyStatus.ACTIVE,
        entered_in_error=False,
    )


def active_problems(patient: Patient) -> QuerySet[Problem]:
    return Problem.objects.filter(
        organization_id=patient.organization_id,
        patient=patient,
        status=ProblemStatus.ACTIVE,
        entered_in_error=False,
    )


def current_medications(patient: Patient) -> QuerySet[Medication]:
    return Medication.objects.filter(
        organization_id=patient.organization_id,
        patient=patient,
        status=MedicationStatus.ACTIVE,
        entered_in_error=False,
    )


def list_entries(model, patient: Patient) -> QuerySet:
    """Every entry of one list, current and past (struck-through ones included)."""
    return model.objects.filter(organization_id=patient.organization_id, patient=patient).select_related(
        "recorded_by"
    )


HISTORY_FIELDS = {
    "Allergy": ("substance", "reaction", "severity", "status"),
    "Medication": ("name", "dose", "route", "frequency", "start_date", "stop_date", "status"),
    "Problem": ("description", "icd10_code", "onset_date", "resolved_date", "status"),
    "Vital": ("kind", "value", "unit"),
}


def history_of(entry) -> list[dict]:
    """The versions an entry went through, oldest first (django-pghistory's rows for it), each with what
    it said: ``{"at", "text", "entered_in_error"}``."""
    model = type(entry)
    fields = HISTORY_FIELDS[model.__name__]
    rows = model.pgh_event_model.objects.filter(pgh_obj_id=entry.pk).order_by("pgh_id")
    return [
        {
            "at": row.pgh_created_at,
            "text": " · ".join(str(getattr(row, f)) for f in fields if getattr(row, f) not in (None, "")),
            "entered_in_error": row.entered_in_error,
        }
        for row in rows
    ]


def vitals_series(patient: Patient, limit_per_kind: int = 400) -> QuerySet[Vital]:
    """The patient's measurements for the chart, newest first (bounded: a busy chart shows its latest)."""
    return Vital.objects.filter(
        organization_id=patient.organization_id, patient=patient, entered_in_error=False
    ).order_by("-measured_at", "kind")[: limit_per_kind * 10]


def timeline_notes(member, patient: Patient, before: datetime | None, limit: int) -> list[Note]:
    notes = readable_notes(member, patient).select_related("template_version__template", "author__user")
    if before is not None:
        notes = notes.filter(created_at__lt=before)
    return list(notes.order_by("-created_at", "-id")[:limit])


def timeline_encounters(patient: Patient, before: datetime | None, limit: int) -> list[Encounter]:
    encounters = Encounter.objects.filter(organization_id=patient.organization_id, patient=patient)
    if before is not None:
        encounters = encounters.filter(started_at__lt=before)
    return list(encounters.select_related("practitioner__user").order_by("-started_at", "-id")[:limit])


def unsigned_notes_of(member, clinic, limit: int = 10) -> list[Note]:
    """The member's own drafts at ``clinic``, oldest first: the "my unsigned notes" worklist."""
    return list(
        Note.objects.filter(
            organization_id=clinic.organization_id,
            clinic=clinic,
            author_id=member.membership.pk,
            status=NoteStatus.DRAFT,
        )
        .select_related("patient", "template_version__template")
        .order_by("created_at", "id")[:limit]
    )


def timeline_files(patient: Patient, before: datetime | None, limit: int) -> list[ChartFile]:
    files = ChartFile.objects.filter(organization_id=patient.organization_id, patient=patient)
    if before is not None:
        files = files.filter(created_at__lt=before)
    return list(files.order_by("-created_at", "-id")[:limit])
