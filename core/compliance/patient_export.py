"""A patient's data download (GDPR Art. 15 and 20): one part per organization they are a patient of,
with their record and what every installed module keeps about them (``ehr_patient_data_export``), and,
in the ZIP, the documents the modules hold for them (``ehr_patient_export_files``): invoice PDFs, files
shared from the chart.

The portal builds it for a signed-in patient across their organizations; the office builds the same
part for one patient of the organization a member acts for.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from core.fhir.export import patient_everything
from core.patients.models import Patient
from core.plugins.manager import registry

# Keys of an organization's part that belong to the export itself, not to a module.
OWN_KEYS = frozenset({"organization", "patient", "fhir_everything"})

# Patient fields left out: internal bookkeeping, not information about the person.
NOT_EXPORTED = frozenset({"organization", "merged_into", "search_name", "version", "id"})


def patient_part(patient: Patient) -> dict:
    """``patient``'s part of the download: their record and each module's contribution, in the order
    the modules were installed. Runs inside the patient's organization's scope."""
    part = {
        "organization": patient.organization.name,
        "patient": {
            f.name: getattr(patient, f.name)
            for f in Patient._meta.concrete_fields
            if f.name not in NOT_EXPORTED
        },
    }
    contributions = registry().hook.ehr_patient_data_export(
        organization=patient.organization, patient=patient
    )
    for contributed in reversed(contributions):
        for key in sorted(contributed or {}):
            if key not in OWN_KEYS:
                part.setdefault(key, contributed[key])
    # The same record in a standard shape (FHIR R4 ``$everything``), read as the patient's own app reads it.
    part["fhir_everything"] = patient_everything(patient)
    return part


def document(parts: list[dict]) -> str:
    return json.dumps(
        {"exported_at": timezone.now(), "organizations": parts}, cls=DjangoJSONEncoder, indent=2
    )


def export_files(patient: Patient) -> list:
    found = []
    for contributed in reversed(
        registry().hook.ehr_patient_export_files(organization=patient.organization, patient=patient)
    ):
        found.extend(contributed or [])
    return found


def write_zip(patients: Iterable[Patient]):
    """A temporary file holding the ZIP: each organization's documents under a folder named after its
    slug, then ``data.json`` with every part. ``patients`` may be a generator that enters each
    patient's organization scope around its ``yield``: everything about a patient is read before the
    next one is asked for. Files are read one at a time, never all in memory."""
    # Handed to the response, which closes it once sent.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    parts = []
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for patient in patients:
            parts.append(patient_part(patient))
            for file in export_files(patient):
                archive.writestr(f"{patient.organization.slug}/{file.name}", file.read())
        archive.writestr("data.json", document(parts))
    spool.seek(0)
    return spool
