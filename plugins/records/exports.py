"""What the patient's "download my data" file holds from the clinical record: the notes shared with them
(clinician-only fields left out, as in the portal), their vitals, allergies, medications, problems and
the files marked visible to them. Entries entered in error are left out."""

from __future__ import annotations

from . import note_display
from .models import Allergy, ChartFile, Medication, Problem, Vital
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
