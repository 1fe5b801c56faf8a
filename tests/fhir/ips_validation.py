"""Checkers of the IPS (1.1.0) entry profiles the ``$summary`` document's resources claim: the elements
each profile makes 1..1 or 1..*, its required bindings (clinical and verification statuses from their
code systems) and the base invariants it keeps (ait-1/2, con-3/4/5), in fhirpathpy."""

from __future__ import annotations

from tests.fhir.fhirpath_checks import TERMINOLOGY, _true, allergy_invariants, condition_invariants

IPS = "http://hl7.org/fhir/uv/ips/StructureDefinition/"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
# A CodeableConcept the profile makes 1..1 says something: a coding or a text.
CODED = "(coding.exists() or text.exists())"


def coded(path: str) -> str:
    return f"{path}.where{CODED}.exists()"


def _statuses(r: dict, clinical: str, verification: str, clinical_codes: str) -> None:
    _true(
        r,
        f"clinicalStatus.empty() or (clinicalStatus.coding.where(system = '{TERMINOLOGY}{clinical}')"
        f".code.subsetOf({clinical_codes}) and clinicalStatus.coding.where(system = "
        f"'{TERMINOLOGY}{clinical}').exists())",
        f"clinicalStatus from {clinical} (required)",
    )
    _true(
        r,
        f"verificationStatus.empty() or verificationStatus.coding.where(system = "
        f"'{TERMINOLOGY}{verification}').exists()",
        f"verificationStatus from {verification} (required)",
    )


def ips_allergy(r: dict) -> None:
    _true(r, coded("code"), "code 1..1, coded or in text")
    _true(r, "patient.reference.exists()", "patient.reference 1..1")
    allergy_invariants(r)
    _statuses(
        r,
        "allergyintolerance-clinical",
        "allergyintolerance-verification",
        "('active' | 'inactive' | 'resolved')",
    )
    _true(r, "type.empty() or type in ('allergy' | 'intolerance')", "type binding")
    _true(r, "criticality.empty() or criticality in ('low' | 'high' | 'unable-to-assess')", "criticality")
    _true(r, f"reaction.all(manifestation.exists() and manifestation.all({CODED}))", "manifestation 1..*")


def ips_condition(r: dict) -> None:
    _true(r, coded("code"), "code 1..1, coded or in text")
    _true(r, "subject.reference.exists()", "subject.reference 1..1")
    condition_invariants(r)
    _statuses(
        r,
        "condition-clinical",
        "condition-ver-status",
        "('active' | 'recurrence' | 'relapse' | 'inactive' | 'remission' | 'resolved')",
    )


def ips_medication_statement(r: dict) -> None:
    _true(
        r,
        coded("medicationCodeableConcept") + " or medicationReference.reference.exists()",
        "medication[x] 1..1, coded or in text, or a Medication",
    )
    _true(r, "subject.reference.exists()", "subject.reference 1..1")
    # effective[x] 1..1: a time, or the data-absent-reason extension saying why there is none.
    _true(
        r,
        f"effectivePeriod.exists() or effectiveDateTime.toString().exists()"
        f" or effectiveDateTime.extension.where(url = '{DATA_ABSENT_REASON}').exists()",
        "effective[x] 1..1",
    )
    _true(r, "effectivePeriod.all(start.exists() or end.exists())", "a period says when")
    _true(r, "dosage.all(text.exists() or route.exists() or timing.exists())", "dosage says how")


def ips_patient(r: dict) -> None:
    _true(r, "name.count() >= 1", "name 1..*")
    _true(r, "name.all(family.exists() or given.exists() or text.exists())", "ips-pat-1")
    _true(r, "birthDate.exists()", "birthDate 1..1")
    _true(r, "gender.empty() or gender in ('male' | 'female' | 'other' | 'unknown')", "gender binding")


def ips_organization(r: dict) -> None:
    _true(r, "name.exists()", "name (must support, always known)")
    _true(r, "(identifier.count() + name.count()) > 0", "org-1")


IPS_CHECKERS = {
    IPS + "AllergyIntolerance-uv-ips": ips_allergy,
    IPS + "Condition-uv-ips": ips_condition,
    IPS + "MedicationStatement-uv-ips": ips_medication_statement,
    IPS + "Patient-uv-ips": ips_patient,
    IPS + "Organization-uv-ips": ips_organization,
}
