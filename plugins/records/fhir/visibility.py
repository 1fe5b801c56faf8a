"""Which clinical records a FHIR caller reaches: the chart's rules (``rules.py``), written as filters so a
search costs the same few queries whatever the page's length.

- A member reads the charts the office shows them: the owner every patient's, a practitioner those of
  patients seen at their clinics (the whole chart, whichever clinic recorded an entry); the front desk
  none. Notes are narrowed by their privacy as on the chart.
- A patient app reads what the portal shows its patient: signed notes shared with them and their lists
  and vital signs, never what was entered in error.
- A backend service reads the organization's records, notes only where every clinician may read them.

Records written at a clinic where the records module is off are not served, as they are not shown.
"""

from __future__ import annotations

from typing import ClassVar

from django.db.models import Q, QuerySet

from core.fhir.providers import ModelProvider, SearchParam, reference
from core.fhir.search import one_of, reference_id
from core.patients.selectors import visible_patients
from core.tenancy.models import Role

from ..models import Privacy
from ..selectors import note_privacy_q

NOTHING = Q(pk__in=[])
PATIENT_PARAM = SearchParam("patient", "reference", "The patient (Patient/<id>).")
# The record types with a Provenance of their own (signed notes, and every change of the others).
PROVENANCE_REVINCLUDE = {"Provenance:target": "Provenance"}


def chart_q(ctx, patient_field: str = "patient_id") -> Q:
    """Rows of the patients whose chart the caller reads."""
    if ctx.is_patient:
        return Q(**{patient_field: ctx.patient.pk})
    if ctx.member is None:
        return Q()
    if ctx.member.role not in (Role.OWNER, Role.PRACTITIONER):
        return NOTHING
    return Q(**{f"{patient_field}__in": visible_patients(ctx.member).values("pk")})


def note_q(ctx, prefix: str = "") -> Q:
    """Signed notes the caller may read (``prefix``: the path to the note, ``"note__"``)."""
    signed = ~Q(**{f"{prefix}status": "draft"})
    if ctx.is_patient:
        return signed & Q(
            **{f"{prefix}shared_with_patient": True, f"{prefix}entered_in_error_at__isnull": True}
        )
    if ctx.member is None:
        return signed & Q(**{f"{prefix}privacy": Privacy.CLINICAL})
    privacy = note_privacy_q(ctx.member)
    return signed & (_prefixed(privacy, prefix) if prefix else privacy)


def _prefixed(condition: Q, prefix: str) -> Q:
    """``condition`` with every lookup moved under ``prefix``."""
    moved = Q()
    moved.connector, moved.negated = condition.connector, condition.negated
    for child in condition.children:
        moved.children.append(
            _prefixed(child, prefix) if isinstance(child, Q) else (f"{prefix}{child[0]}", child[1])
        )
    return moved


def clinic_time(moment, clinic) -> str:
    return moment.astimezone(clinic.tzinfo).isoformat()


class RecordsProvider(ModelProvider):
    """A chart record type: the caller's charts, at clinics where records are on, searched by patient."""

    model: ClassVar = None
    compartment_param = "patient"
    related: ClassVar[tuple[str, ...]] = ("patient", "clinic")

    def queryset(self, ctx) -> QuerySet:
        rows = self.model.objects.filter(
            chart_q(ctx),
            organization_id=ctx.organization.pk,
            clinic_id__in=ctx.organization_clinic_ids_with(self.module),
        )
        if ctx.is_patient:
            rows = rows.filter(self.shown_to_patient(ctx))
        return self.with_related(rows.select_related(*self.related), ctx)

    def shown_to_patient(self, ctx) -> Q:
        """What of its patient's records a patient app sees (the portal's rule for this type)."""
        return Q(entered_in_error=False)

    def with_related(self, rows: QuerySet, ctx) -> QuerySet:
        return rows

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "patient":
            return queryset.filter(patient_id__in=[reference_id(name, v, "Patient") for v in one_of(value)])
        return super().filter(queryset, name, modifier, value, ctx)


def patient_reference(obj) -> dict:
    return reference("Patient", obj.patient_id, obj.patient.full_name)
