"""Demo clinical history: each demo patient (the portal's demo patient included) gets several encounters
with signed SOAP notes a year apart and less, an addendum, vitals over a year, an allergy, two medications,
a resolved and an active problem, and a note shared with the patient. Idempotent: a patient who already
has encounters is left as is."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.patients.models import Patient
from core.tenancy.models import Membership, Role

from .models import Allergy, Encounter, EncounterKind, Medication, Note, Problem, Vital
from .services import amendments, note_templates, notes
from .vitals_catalog import KINDS, bmi

# Written in the clinic's language, as its practitioner would write them.
VISITS = [
    (
        330,
        _("Low back pain after gardening"),
        _("Mechanical low back pain."),
        _("Exercises, heat, review in 2 weeks."),
    ),
    (300, _("Review of back pain"), _("Improving, range of motion better."), _("Continue exercises.")),
    (180, _("Headaches for a month"), _("Tension-type headache."), _("Sleep hygiene, posture advice.")),
    (60, _("Blood pressure check"), _("Blood pressure slightly raised."), _("Home readings for two weeks.")),
    (14, _("Follow-up: home readings"), _("Essential hypertension."), _("Start ramipril 2.5 mg daily.")),
]


def seed(organization, clinics, users) -> None:
    note_templates.ensure_shipped_templates(organization)
    soap = next(v for v in note_templates.current_versions(organization) if v.template.shipped_key == "soap")
    doctor = (
        Membership.objects.filter(organization=organization, role=Role.PRACTITIONER, is_active=True)
        .select_related("user")
        .order_by("created_at", "id")
        .first()
    )
    if doctor is None:
        return
    for patient in Patient.objects.filter(
        organization=organization, merged_into__isnull=True
    ).prefetch_related("patientclinic_set__clinic"):
        if Encounter.objects.filter(organization=organization, patient=patient).exists():
            continue
        links = list(patient.patientclinic_set.all())
        if links:
            with translation.override(links[0].clinic.locale):
                _history(organization, links[0].clinic, patient, doctor, soap)


def _history(organization, clinic, patient, doctor, soap) -> None:
    now = timezone.now()
    by = doctor.user
    last_note = None
    for days_ago, complaint, assessment, plan in VISITS:
        at = now - timedelta(days=days_ago)
        encounter = Encounter.objects.create(
            organization=organization,
            clinic=clinic,
            patient=patient,
            practitioner=doctor,
            kind=EncounterKind.PHONE if days_ago == 60 else EncounterKind.WALK_IN,
            reason=str(complaint),
            started_at=at,
            created_by=by,
        )
        note = notes.create_note(encounter, soap, author=doctor)
        notes.save_draft(
            note,
            {"complaint": str(complaint), "assessment": str(assessment), "plan": str(plan)},
            revision=None,
        )
        last_note = notes.sign_note(note, by=by)
        Note.objects.filter(pk=note.pk).update(created_at=at)  # created_at is not signed content
        weight = Decimal("82.0") - Decimal(days_ago) / Decimal(100)
        for kind, value in (
            ("height", Decimal("176")),
            ("weight", weight),
            ("systolic", Decimal(138 - days_ago // 60)),
            ("diastolic", Decimal(88 - days_ago // 100)),
            ("pulse", Decimal(72)),
        ):
            Vital.objects.create(
                organization=organization,
                patient=patient,
                clinic=clinic,
                encounter=encounter,
                recorded_by=by,
                kind=kind,
                loinc_code=KINDS[kind].loinc,
                value=value,
                unit=KINDS[kind].unit,
                measured_at=at,
            )
        Vital.objects.create(
            organization=organization,
            patient=patient,
            clinic=clinic,
            encounter=encounter,
            recorded_by=by,
            kind="bmi",
            loinc_code=KINDS["bmi"].loinc,
            value=bmi(Decimal("176"), weight),
            unit=KINDS["bmi"].unit,
            measured_at=at,
        )
    amendments.add_addendum(
        last_note,
        author=doctor,
        by=by,
        reason=str(_("Pharmacy called")),
        text=str(_("Plan: Start ramipril 2.5 mg daily, check kidney function in 2 weeks.")),
    )
    notes.set_shared(last_note, True)
    common = {"organization": organization, "patient": patient, "clinic": clinic, "recorded_by": by}
    Allergy.objects.create(
        **common, substance=str(_("Penicillin")), reaction=str(_("Hives")), severity="moderate"
    )
    Medication.objects.create(
        **common,
        name="Ramipril",
        dose="2.5 mg",
        route="oral",
        frequency=str(_("once daily")),
        start_date=date.today() - timedelta(days=14),
    )
    Medication.objects.create(
        **common,
        name="Ibuprofen",
        dose="400 mg",
        route="oral",
        frequency=str(_("as needed")),
        start_date=date.today() - timedelta(days=330),
    )
    Problem.objects.create(
        **common,
        description=str(_("Low back pain")),
        icd10_code="M54.50",
        status="resolved",
        onset_date=date.today() - timedelta(days=330),
        resolved_date=date.today() - timedelta(days=280),
    )
    Problem.objects.create(
        **common,
        description=str(_("Essential hypertension")),
        icd10_code="I10",
        onset_date=date.today() - timedelta(days=14),
    )
