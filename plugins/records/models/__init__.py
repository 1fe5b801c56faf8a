"""Clinical records: encounters, note templates and notes (signed, locked, amended), and the patient's
structured lists (vitals, allergies, medications, problems).

Signed notes and addenda never change: database triggers refuse it (migration 0002), so no code path,
raw SQL included, can rewrite what a clinician signed.
"""

from .encounters import Encounter, EncounterKind, RecordsSettings, UnitSystem
from .files import ChartFile
from .lists import (
    Allergy,
    AllergySeverity,
    AllergyStatus,
    Medication,
    MedicationStatus,
    Problem,
    ProblemStatus,
    Vital,
)
from .notes import (
    Addendum,
    Note,
    NoteSignature,
    NoteStatus,
    NoteTemplate,
    NoteTemplateVersion,
    Privacy,
    SignatureMeaning,
)

__all__ = [
    "Addendum",
    "Allergy",
    "AllergySeverity",
    "AllergyStatus",
    "ChartFile",
    "Encounter",
    "EncounterKind",
    "Medication",
    "MedicationStatus",
    "Note",
    "NoteSignature",
    "NoteStatus",
    "NoteTemplate",
    "NoteTemplateVersion",
    "Privacy",
    "Problem",
    "ProblemStatus",
    "RecordsSettings",
    "SignatureMeaning",
    "UnitSystem",
    "Vital",
]
