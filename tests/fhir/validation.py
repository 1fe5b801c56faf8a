"""Every resource the FHIR API returns in the tests is checked here: parsed with fhir.resources' R4B
models (FHIR 4.0.1-compatible structure and datatypes), then checked against each profile it claims.

fhir.resources validates structure only (no profiles, not even required codes), so each claimed profile
has a checker below: its cardinalities, must-support elements the server fills and the FHIRPath
invariants that matter, evaluated with fhirpathpy. A resource claiming a profile with no checker fails:
a claim the tests cannot check is never a silent pass.
"""

from __future__ import annotations

from fhir.resources.R4B import get_fhir_model_class
from fhirpathpy import evaluate

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


def _set(values) -> str:
    return "(" + " | ".join(f"'{v}'" for v in sorted(values)) + ")"


class ProfileError(AssertionError):
    pass


def _true(resource: dict, expression: str, why: str) -> None:
    result = evaluate(resource, expression)
    if result != [True]:
        raise ProfileError(
            f"{resource['resourceType']}/{resource.get('id')}: {why} ({expression} -> {result})"
        )


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


CHECKERS = {
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient": us_core_patient,
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-practitioner": us_core_practitioner,
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-practitionerrole": us_core_practitioner_role,
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-organization": us_core_organization,
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-location": us_core_location,
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
    "Bundle": [
        # bdl-1: total only when a search or history.
        ("total.empty() or (type = 'searchset') or (type = 'history')", "bdl-1"),
        ("entry.all(fullUrl.exists())", "entries carry a fullUrl"),
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
