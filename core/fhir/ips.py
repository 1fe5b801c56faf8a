"""The IPS entry profiles the ``$summary`` document's resources claim.

Inside the patient summary each entry is also an IPS resource (AllergyIntolerance-uv-ips,
Condition-uv-ips, MedicationStatement-uv-ips, Patient-uv-ips, Organization-uv-ips): a reader of the
document may check it against the IPS profiles, whatever else the resource claims on a plain read. A
resource claims its IPS profile only when it has what that profile requires; what the chart does not know
is said with the data-absent-reason extension where the profile allows it.

Vital signs carry FHIR's vital signs profiles, which IPS 1.1 uses for its vital signs section: no IPS
profile of their own. Medications are named in the statement (``medicationCodeableConcept``), so the
document holds no Medication resources.
"""

from __future__ import annotations

IPS = "http://hl7.org/fhir/uv/ips/StructureDefinition/"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
EFFECTIVE = ("effectiveDateTime", "effectivePeriod")


def _unknown() -> dict:
    return {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": "unknown"}]}


def _medication_statement(resource: dict) -> dict:
    # IPS wants effective[x] (1..1); a medication started on a date nobody recorded says so.
    if not any(key in resource for key in EFFECTIVE):
        resource["_effectiveDateTime"] = _unknown()
    return resource


def _patient(resource: dict) -> dict | None:
    # birthDate is 1..1 in Patient-uv-ips: a patient whose date of birth is unknown does not claim it.
    return resource if resource.get("birthDate") else None


def _as_is(resource: dict) -> dict:
    return resource


# Resource type -> (IPS profile, what makes the resource fit it; None when it cannot).
ENTRY_PROFILES = {
    "AllergyIntolerance": ("AllergyIntolerance-uv-ips", _as_is),
    "Condition": ("Condition-uv-ips", _as_is),
    "MedicationStatement": ("MedicationStatement-uv-ips", _medication_statement),
    "Patient": ("Patient-uv-ips", _patient),
    "Organization": ("Organization-uv-ips", _as_is),
}


def as_ips_entry(resource: dict) -> dict:
    """``resource`` as an entry of the IPS document: claiming its IPS profile when it fits one (a copy;
    the resource given is left as it was)."""
    known = ENTRY_PROFILES.get(resource["resourceType"])
    if known is None:
        return resource
    profile, fit = known
    meta = dict(resource.get("meta") or {})
    fitted = fit({**resource, "meta": meta})
    if fitted is None:
        return resource
    meta["profile"] = [*meta.get("profile", []), IPS + profile]
    return fitted


def entry_profiles(resource_type: str) -> list[str]:
    """The IPS profile a resource of this type may claim in the summary (the CapabilityStatement's)."""
    known = ENTRY_PROFILES.get(resource_type)
    return [IPS + known[0]] if known else []
