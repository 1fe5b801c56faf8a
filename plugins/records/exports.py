"""What the patient's "download my data" file holds from the clinical record: the notes shared with them
(clinician-only fields left out, as in the portal), their vitals, allergies, medications, problems and
the files marked visible to them. Entries entered in error are left out."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from core.compliance.packs import RECORD_CLASSES
from core.plugins.types import ExportFile, HeldRecords

from . import note_display
from .models import Allergy, ChartFile, Encounter, Medication, Problem, Vital
from .portal import shared_notes


def patient_export(organization, patient) -> dict:
    mine = {"organization_id": organization.pk, "patient": patient, "entered_in_error": False}
    notes = []
    for note in shared_notes(patient).order_by("signed_at"):
        notes.append(
            {
                "template": note.template_version.template.display_name,
                "signed_at": note.signed_at,
                "sha256": note.content_sha256,
                "sections": [
                    {
                        "label": s["label"],
                        "fields": {f["label"]: f["shown"] for f in s["fields"] if f["shown"]},
                    }
                    for s in note_display.sections(note, for_patient=True)
                ],
                "addenda": [
                    {"signed_at": a.signed_at, "reason": a.reason, "text": a.text} for a in note.addenda.all()
                ],
            }
        )
    return {
        "clinical_notes": notes,
        "vitals": list(
            Vital.objects.filter(**mine).values("kind", "loinc_code", "value", "unit", "measured_at")
        ),
        "allergies": list(
            Allergy.objects.filter(**mine).values("substance", "reaction", "severity", "status")
        ),
        "medications": list(
            Medication.objects.filter(**mine).values(
                "name", "dose", "route", "frequency", "start_date", "stop_date", "status"
            )
        ),
        "problems": list(
            Problem.objects.filter(**mine).values(
                "description", "icd10_code", "onset_date", "resolved_date", "status"
            )
        ),
        "files": list(
            ChartFile.objects.filter(**mine, visible_to_patient=True).values(
                "original_name", "sha256", "created_at"
            )
        ),
    }


def export_files(organization, patient) -> list[ExportFile]:
    """The files of the chart shared with the patient, by their original name."""
    files = ChartFile.objects.filter(
        organization_id=organization.pk, patient=patient, entered_in_error=False, visible_to_patient=True
    ).order_by("created_at", "id")
    return [ExportFile(name=f"records/{f.pk}-{f.original_name}", read=_reader(f.file)) for f in files]


def _reader(field_file):
    def read() -> bytes:
        with field_file.open("rb") as handle:
            return handle.read()

    return read


def records_held(organization, patient) -> list[HeldRecords]:
    """The clinical record as one class: its retention runs from the latest visit or entry."""
    mine = {"organization_id": organization.pk, "patient": patient}
    visits = Encounter.objects.filter(**mine).aggregate(count=Count("id"), last=Max("started_at"))
    entries = [
        model.objects.filter(**mine).aggregate(count=Count("id"), last=Max("created_at"))
        for model in (Vital, Allergy, Medication, Problem, ChartFile)
    ]
    count = visits["count"] + sum(e["count"] for e in entries)
    if not count:
        return []
    last = max(found["last"] for found in [visits, *entries] if found["last"])
    return [
        HeldRecords(
            record_class="clinical_record",
            label=str(RECORD_CLASSES["clinical_record"]),
            count=count,
            last_activity=last.date(),
        )
    ]


def erase(organization, patient, record_classes: frozenset[str]) -> None:
    """Signed notes and their history cannot be altered by design, so a clinical record past its
    retention period is not erased here: the whole erasure is refused with that reason, and nothing
    else is changed."""
    if "clinical_record" in record_classes:
        raise ValidationError(
            _(
                "This clinical record is past its retention period, but signed notes cannot be removed "
                "from the system yet. Export the record, then ask the service operator to remove it."
            )
        )
