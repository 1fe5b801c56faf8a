"""Every resource the FHIR API returns in the tests is checked here: parsed with fhir.resources' R4B
models (FHIR 4.0.1-compatible structure and datatypes), then checked against each profile it claims.

fhir.resources validates structure only (no profiles, not even required codes), so each claimed profile
has a checker below: its cardinalities, must-support elements the server fills and the FHIRPath
invariants that matter, evaluated with fhirpathpy. A resource claiming a profile with no checker fails:
a claim the tests cannot check is never a silent pass.
"""

from __future__ import annotations

from fhir.resources.R4B import get_fhir_model_class

from tests.fhir.fhirpath_checks import (
    TERMINOLOGY,
    ProfileError,
    _set,
    _true,
    allergy_invariants,
    condition_invariants,
)
from tests.fhir.ips_validation import IPS_CHECKERS
from tests.fhir.us_core_extensions_validation import us_core_demographics

GENDERS = {"male", "female", "other", "unknown"}
APPOINTMENT_STATUSES = {
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
}


def us_core_patient(r: dict) -> None:
    _true(r, "identifier.count() >= 1", "identifier 1..*")
    _true(r, "identifier.all(system.exists() and value.exists())", "identifier.system and value 1..1")
    _true(r, "name.count() >= 1", "name 1..*")
    # us-core-6: a name has a family or a given name (or a data-absent-reason).
    _true(r, "name.all(family.exists() or given.exists())", "us-core-6")
    _true(r, "gender.exists()", "gender 1..1")
    _true(r, f"gender in {_set(GENDERS)}", "gender from AdministrativeGender")
    _true(
        r, "birthDate.empty() or birthDate.toString().matches('^\\\\d{4}(-\\\\d{2}(-\\\\d{2})?)?$')", "date"
    )
    _true(r, "telecom.all(system.exists() and value.exists())", "telecom.system and value 1..1")
    us_core_demographics(r)


def us_core_practitioner(r: dict) -> None:
    _true(r, "identifier.count() >= 1", "identifier 1..*")
    _true(r, "identifier.all(system.exists() and value.exists())", "identifier.system and value")
    _true(r, "name.count() >= 1", "name 1..*")
    _true(r, "name.all(family.exists())", "name.family 1..1")


def us_core_practitioner_role(r: dict) -> None:
    _true(r, "practitioner.exists() or organization.exists()", "a practitioner or an organization")
    # pd-1: SHALL have contact information or a reference to an Endpoint.
    _true(r, "telecom.exists() or endpoint.exists()", "pd-1")
    _true(r, "practitioner.reference.startsWith('Practitioner/')", "practitioner reference")


def us_core_organization(r: dict) -> None:
    _true(r, "active.exists()", "active 1..1")
    _true(r, "name.exists()", "name 1..1")
    # org-1: an organization has at least a name or an identifier.
    _true(r, "(identifier.count() + name.count()) > 0", "org-1")


def us_core_location(r: dict) -> None:
    _true(r, "name.exists()", "name 1..1")
    _true(r, "status.empty() or status in ('active' | 'suspended' | 'inactive')", "status binding")


US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
# fhirpathpy reads plain JSON, where a choice element (value[x]) is spelled out by its type.
VALUE = (
    "(valueQuantity | valueCodeableConcept | valueString | valueBoolean | valueInteger | valueRange"
    " | valueRatio | valueSampledData | valueTime | valueDateTime | valuePeriod)"
)
BASE = "http://hl7.org/fhir/StructureDefinition/"


def us_core_encounter(r: dict) -> None:
    _true(r, "status.exists()", "status 1..1")
    _true(r, "class.exists()", "class 1..1")
    _true(r, "type.count() >= 1", "type 1..*")
    _true(r, "subject.reference.startsWith('Patient/')", "subject 1..1 (a Patient)")
    _true(r, "participant.all(individual.exists() implies individual.reference.exists())", "participant")


def us_core_condition_problems(r: dict) -> None:
    category = (
        f"category.coding.where((system = '{TERMINOLOGY}condition-category' and code = 'problem-list-item')"
        " or (system = 'http://hl7.org/fhir/us/core/CodeSystem/condition-category'"
        " and code = 'health-concern')).exists()"
    )
    _true(r, category, "category: problem-list-item or health-concern")
    _true(r, "code.exists()", "code 1..1")
    _true(r, "subject.reference.startsWith('Patient/')", "subject 1..1")
    condition_invariants(r)
    _true(
        r,
        "clinicalStatus.empty() or clinicalStatus.coding.where(system = "
        f"'{TERMINOLOGY}condition-clinical').code.subsetOf(('active' | 'recurrence' | 'relapse' | "
        "'inactive' | 'remission' | 'resolved'))",
        "clinicalStatus from ConditionClinicalStatusCodes",
    )
    _true(
        r,
        "code.coding.where(system = 'http://hl7.org/fhir/sid/icd-10-cm').all(code.matches('^[A-Z][0-9]"
        "[0-9A-Z](\\.[0-9A-Z]{1,4})?$'))",
        "ICD-10-CM codes are dotted codes",
    )


def us_core_allergy(r: dict) -> None:
    _true(r, "code.exists()", "code 1..1")
    _true(r, "patient.reference.startsWith('Patient/')", "patient 1..1")
    allergy_invariants(r)
    _true(
        r,
        "clinicalStatus.empty() or clinicalStatus.coding.where(system = "
        f"'{TERMINOLOGY}allergyintolerance-clinical').code.subsetOf(('active' | 'inactive' | 'resolved'))",
        "clinicalStatus binding",
    )
    _true(r, "reaction.all(manifestation.exists())", "reaction.manifestation 1..*")
    _true(r, "reaction.severity.all($this in ('mild' | 'moderate' | 'severe'))", "reaction.severity")


def us_core_document_reference(r: dict) -> None:
    _true(r, "status in ('current' | 'superseded' | 'entered-in-error')", "status binding")
    # US Core's document type value set: LOINC document codes, or data-absent-reason "unknown".
    _true(
        r,
        "type.coding.where(system = 'http://loinc.org').exists() or type.coding.where("
        "system = 'http://terminology.hl7.org/CodeSystem/data-absent-reason' and code = 'unknown').exists()",
        "type 1..1, LOINC or unknown",
    )
    _true(r, "content.attachment.all(hash.empty() or hash.toString().length() = 28)", "hash: base64 SHA-1")
    _true(r, "category.count() >= 1", "category 1..*")
    _true(r, "subject.reference.startsWith('Patient/')", "subject 1..1")
    _true(r, "content.count() >= 1", "content 1..*")
    _true(r, "content.all(attachment.contentType.exists())", "attachment.contentType")
    _true(r, "content.all(attachment.url.exists() or attachment.data.exists())", "us-core-6")


def us_core_provenance(r: dict) -> None:
    _true(r, "target.count() >= 1", "target 1..*")
    _true(r, "recorded.exists()", "recorded 1..1")
    _true(r, "agent.count() >= 1", "agent 1..*")
    _true(r, "agent.all(who.exists())", "agent.who 1..1")
    _true(
        r,
        "agent.all(who.reference.startsWith('Practitioner/').not() or onBehalfOf.exists())",
        "provenance-1",
    )
    _true(r, "signature.all(type.exists() and when.exists() and who.exists())", "signature")


def vital_signs(r: dict) -> None:
    """FHIR's vital-signs profile (vs-1..vs-3), which US Core's vital signs also require."""
    _true(
        r,
        "status in ('registered' | 'preliminary' | 'final' | 'amended' | 'corrected' | 'cancelled'"
        " | 'entered-in-error' | 'unknown')",
        "status binding",
    )
    _true(
        r,
        f"category.coding.where(system = '{TERMINOLOGY}observation-category' and code = 'vital-signs')"
        ".exists()",
        "category vital-signs",
    )
    _true(r, "subject.reference.startsWith('Patient/')", "subject 1..1 (a Patient)")
    _true(
        r,
        "(effectiveDateTime | effectivePeriod | effectiveInstant | effectiveTiming).exists()",
        "effective[x]",
    )
    _true(r, "effectiveDateTime.empty() or effectiveDateTime.toString().length() >= 10", "vs-1")
    _true(
        r,
        f"(component.empty() and hasMember.empty()) implies (dataAbsentReason.exists() or {VALUE}.exists())",
        "vs-2",
    )
    _true(r, f"component.all(dataAbsentReason.exists() or {VALUE}.exists())", "vs-3")
    _true(
        r,
        "(valueQuantity | component.valueQuantity).all(system = 'http://unitsofmeasure.org'"
        " and code.exists() and value.exists())",
        "UCUM quantities",
    )


# Per vital sign: its LOINC code and the UCUM units its profile allows (FHIR's and US Core's agree).
VITAL_SIGN_CODES = {
    "bodyheight": ("8302-2", ("cm", "[in_i]")),
    "bodyweight": ("29463-7", ("kg", "g", "[lb_av]")),
    "bmi": ("39156-5", ("kg/m2",)),
    "bodytemp": ("8310-5", ("Cel", "[degF]")),
    "heartrate": ("8867-4", ("/min",)),
    "resprate": ("9279-1", ("/min",)),
    "oxygensat": ("2708-6", ("%",)),
    "bp": ("85354-9", ()),
}
US_CORE_VITALS = {
    "us-core-body-height": "bodyheight",
    "us-core-body-weight": "bodyweight",
    "us-core-bmi": "bmi",
    "us-core-body-temperature": "bodytemp",
    "us-core-heart-rate": "heartrate",
    "us-core-respiratory-rate": "resprate",
    "us-core-pulse-oximetry": "oxygensat",
    "us-core-blood-pressure": "bp",
}


def vital_sign(name: str, us_core: bool = False):
    code, units = VITAL_SIGN_CODES[name]

    def check(r: dict) -> None:
        vital_signs(r)
        _true(
            r, f"code.coding.where(system = 'http://loinc.org' and code = '{code}').exists()", f"code {code}"
        )
        if name == "bp":
            for part in ("8480-6", "8462-4"):
                coded = f"code.coding.where(system = 'http://loinc.org' and code = '{part}').exists()"
                component = f"component.where({coded})"
                _true(r, f"{component}.count() = 1", f"component {part} 1..1")
                _true(r, f"{component}.valueQuantity.all(code = 'mm[Hg]')", f"{part} in mm[Hg]")
        else:
            _true(r, f"valueQuantity.empty() or valueQuantity.code in {_set(units)}", f"unit of {name}")
        if us_core and name == "oxygensat":
            _true(
                r, "code.coding.where(system = 'http://loinc.org' and code = '59408-5').exists()", "PulseOx"
            )

    return check


def ips_bundle(r: dict) -> None:
    _true(r, "type = 'document'", "a document")
    _true(r, "identifier.system.exists() and identifier.value.exists()", "bdl-9")
    _true(r, "timestamp.exists()", "bdl-10")
    _true(r, "entry.first().resource.is(Composition)", "bdl-11: the Composition first")
    _true(r, "entry.where(resource.is(Patient)).count() = 1", "one Patient")
    _true(r, "entry.fullUrl.isDistinct()", "bdl-7")
    # Every reference of the Composition resolves inside the document.
    urls = {e["fullUrl"] for e in r["entry"]}
    composition = r["entry"][0]["resource"]
    refs = [composition["subject"]["reference"], *(a["reference"] for a in composition["author"])]
    refs += [e["reference"] for s in composition["section"] for e in s.get("entry", [])]
    missing = [ref for ref in refs if ref not in urls]
    if missing:
        raise ProfileError(f"Composition refers to resources outside the document: {missing}")


def ips_composition(r: dict) -> None:
    _true(r, "status in ('preliminary' | 'final' | 'amended' | 'entered-in-error')", "status")
    _true(r, "type.coding.where(system = 'http://loinc.org' and code = '60591-5').exists()", "type")
    _true(r, "subject.reference.exists() and date.exists() and author.exists() and title.exists()", "1..1s")
    for code in ("10160-0", "48765-2", "11450-4"):
        _true(
            r,
            f"section.where(code.coding.where(system = 'http://loinc.org' and code = '{code}').exists())"
            ".count() = 1",
            f"required section {code}",
        )
    _true(r, "section.all(title.exists() and code.exists() and text.exists())", "section title, code, text")
    _true(r, "section.all(text.exists() or entry.exists() or section.exists())", "cmp-1")
    _true(r, "section.all(emptyReason.empty() or entry.empty())", "cmp-2")
    _true(r, "section.all(entry.exists() or emptyReason.exists())", "an empty section says why")


CHECKERS = {
    US_CORE + "us-core-encounter": us_core_encounter,
    US_CORE + "us-core-condition-problems-health-concerns": us_core_condition_problems,
    US_CORE + "us-core-allergyintolerance": us_core_allergy,
    US_CORE + "us-core-documentreference": us_core_document_reference,
    US_CORE + "us-core-provenance": us_core_provenance,
    BASE + "vitalsigns": vital_signs,
    **{BASE + name: vital_sign(name) for name in VITAL_SIGN_CODES},
    **{US_CORE + profile: vital_sign(name, us_core=True) for profile, name in US_CORE_VITALS.items()},
    "http://hl7.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips": ips_bundle,
    "http://hl7.org/fhir/uv/ips/StructureDefinition/Composition-uv-ips": ips_composition,
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient": us_core_patient,
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-practitioner": us_core_practitioner,
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-practitionerrole": us_core_practitioner_role,
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-organization": us_core_organization,
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-location": us_core_location,
    **IPS_CHECKERS,
}

# Base-spec rules fhir.resources does not enforce (required bindings, invariants), by resource type.
BASE_RULES = {
    "Appointment": [
        (f"status in {_set(APPOINTMENT_STATUSES)}", "status from AppointmentStatus"),
        ("participant.count() >= 1", "participant 1..*"),
        # app-3: only proposed or cancelled appointments can be missing start/end dates.
        (
            "((start.exists() and end.exists()) or (status in ('proposed' | 'cancelled' | 'waitlist')))",
            "app-3",
        ),
        ("participant.all(type.exists() or actor.exists())", "app-1"),
    ],
    "Slot": [
        ("status in ('busy' | 'free' | 'busy-unavailable' | 'busy-tentative' | 'entered-in-error')", "status")
    ],
    "Schedule": [("actor.count() >= 1", "actor 1..*")],
    "Invoice": [("status in ('draft' | 'issued' | 'balanced' | 'cancelled' | 'entered-in-error')", "status")],
    "OperationOutcome": [("issue.count() >= 1", "issue 1..*")],
    "Encounter": [
        (
            "status in ('planned' | 'arrived' | 'triaged' | 'in-progress' | 'onleave' | 'finished'"
            " | 'cancelled' | 'entered-in-error' | 'unknown')",
            "status",
        )
    ],
    "MedicationStatement": [
        (
            "status in ('active' | 'completed' | 'entered-in-error' | 'intended' | 'stopped' | 'on-hold'"
            " | 'unknown' | 'not-taken')",
            "status",
        ),
        (
            "(medicationCodeableConcept | medicationReference).exists() and subject.exists()",
            "medication[x], subject 1..1",
        ),
    ],
    "Observation": [
        (
            "status in ('registered' | 'preliminary' | 'final' | 'amended' | 'corrected' | 'cancelled'"
            " | 'entered-in-error' | 'unknown')",
            "status",
        ),
        ("code.exists()", "code 1..1"),
        # obs-7: a value and components never carry the same code.
        (f"{VALUE}.empty() or component.code.coding.code.intersect(code.coding.code).empty()", "obs-7"),
    ],
    "Binary": [("contentType.exists()", "contentType 1..1")],
    "Consent": [
        (
            "status in ('draft' | 'proposed' | 'active' | 'rejected' | 'inactive' | 'entered-in-error')",
            "status",
        ),
        ("scope.exists() and category.count() >= 1", "scope 1..1, category 1..*"),
        ("policy.exists() or policyRule.exists()", "ppc-1"),
        # ppc-2: a privacy consent names its patient.
        ("patient.exists() or scope.coding.where(code = 'patient-privacy').exists().not()", "ppc-2"),
    ],
    "Bundle": [
        # bdl-1: total only when a search or history.
        ("total.empty() or (type = 'searchset') or (type = 'history')", "bdl-1"),
        ("entry.all(fullUrl.exists())", "entries carry a fullUrl"),
        ("type != 'document' or (identifier.exists() and timestamp.exists())", "bdl-9, bdl-10"),
    ],
}


def check_resource(resource: dict) -> None:
    """Parse ``resource`` with the R4B model of its type and check every profile it claims."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    for expression, why in BASE_RULES.get(resource["resourceType"], []):
        _true(resource, expression, why)
    for profile in (resource.get("meta") or {}).get("profile", []):
        checker = CHECKERS.get(profile.split("|")[0])
        if checker is None:
            raise ProfileError(f"{resource['resourceType']} claims {profile}, which the tests cannot check")
        checker(resource)
    if resource["resourceType"] == "Bundle":
        for entry in resource.get("entry", []):
            check_resource(entry["resource"])


def checked(response) -> dict:
    """The FHIR JSON of a test-client or requests response, checked (any status: errors too)."""
    content_type = response.headers["Content-Type"]
    assert content_type.startswith("application/fhir+json"), content_type
    body = response.json()
    check_resource(body)
    return body
