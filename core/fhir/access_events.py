"""The one place a FHIR read declares what it showed, for the access log (channel FHIR).

Every successful read, search and operation of the FHIR API calls ``declare_read`` once per request with
the resources it returned; this hands core/audit the patients they belong to (the Patient resource itself,
or the patient a resource refers to) and the category of each resource type.
"""

from __future__ import annotations

import json
import re

from core.audit.recording import current, record_ids
from core.audit.vocabulary import Category

CATEGORIES = {
    "Patient": Category.DEMOGRAPHICS,
    # A privacy-notice consent is about the patient's record, not their care.
    "Consent": Category.DEMOGRAPHICS,
    "Appointment": Category.APPOINTMENTS,
    "Invoice": Category.INVOICES,
    "Encounter": Category.CLINICAL_NOTES,
    "DocumentReference": Category.CLINICAL_NOTES,
    "Composition": Category.CLINICAL_NOTES,
    "Observation": Category.VITALS,
    "Condition": Category.CLINICAL_LISTS,
    "AllergyIntolerance": Category.CLINICAL_LISTS,
    "MedicationStatement": Category.CLINICAL_LISTS,
}
PATIENT_REFERENCE = re.compile(r'"reference":\s*"Patient/(\d+)"')


def _patients_of(ctx, resource: dict) -> set[int]:
    if resource.get("resourceType") == "Patient" and str(resource.get("id", "")).isdigit():
        return {int(resource["id"])}
    # A resource that names no patient (a Provenance) was noted by its provider as it was read.
    noted = ctx.extra.get("patients_of", {}).get((resource.get("resourceType"), resource.get("id")))
    if noted is not None:
        return {int(noted)}
    return {int(found) for found in PATIENT_REFERENCE.findall(json.dumps(resource, default=str))}


def category_of(resource: dict) -> str | None:
    # A chart file's DocumentReference (``file-<id>``) is a file, not a note.
    kind = resource.get("resourceType")
    if kind == "DocumentReference" and str(resource.get("id", "")).startswith("file-"):
        return Category.FILES
    if kind == "Provenance":
        # Who wrote or changed a record and when is part of that record: its category is the target's.
        targets = [t.get("reference", "") for t in resource.get("target", [])]
        kind, _sep, target_id = (targets[0] if targets else "").partition("/")
        return category_of({"resourceType": kind, "id": target_id})
    return CATEGORIES.get(kind)


def declare_read(ctx, resources: list[dict]) -> None:
    """Declare that ``resources`` were shown to the caller of ``ctx`` (once per request)."""
    shown: dict[str, set[int]] = {}
    for resource in resources:
        category = category_of(resource)
        if category is None:
            continue  # practitioners, clinics, services and slots are no patient's data
        shown.setdefault(category, set()).update(_patients_of(ctx, resource))
    log = current()
    if log is not None:
        log.role = ctx.member.role if ctx.member is not None else ctx.kind  # "patient" or "system"
        log.actor_label = ctx.client_id
    for category, patient_ids in shown.items():
        record_ids(ctx.organization.pk, patient_ids, category)
