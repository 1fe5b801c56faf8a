"""The ``$summary`` document's entries claim the IPS entry profiles, and the tests' validator checks each
one: a resource missing what its profile requires fails, and so does a claim of a profile the validator
does not know."""

import copy
from datetime import date

import pytest
from django_scopes import scope, scopes_disabled

from tests.factories import make_patient
from tests.fhir.conftest import chart
from tests.fhir.fhirpath_checks import ProfileError
from tests.fhir.validation import check_resource

IPS = "http://hl7.org/fhir/uv/ips/StructureDefinition/"


def summary_resources(alpha, fhir_as) -> dict[str, dict]:
    """The charted patient's summary entries by resource type (the first of each)."""
    with scopes_disabled():
        chart(alpha)
        with scope(organization=alpha.org.pk):
            alpha.patient.date_of_birth = date(1980, 5, 17)
            alpha.patient.save(update_fields=["date_of_birth"])
    status, summary = fhir_as(alpha.practitioner, alpha.org).get(f"Patient/{alpha.patient.pk}/$summary")
    assert status == 200, summary
    found: dict[str, dict] = {}
    for entry in summary["entry"]:
        found.setdefault(entry["resource"]["resourceType"], entry["resource"])
    return found


@pytest.mark.django_db
def test_summary_entries_claim_their_ips_profiles(alpha, fhir_as):
    found = summary_resources(alpha, fhir_as)
    claims = {kind: r.get("meta", {}).get("profile", []) for kind, r in found.items()}
    for kind in ("AllergyIntolerance", "Condition", "MedicationStatement", "Patient", "Organization"):
        assert f"{IPS}{kind}-uv-ips" in claims[kind], claims[kind]
    # The US Core claims stand beside the IPS ones.
    assert any("us-core-allergyintolerance" in p for p in claims["AllergyIntolerance"])
    # The medication was started on a day nobody recorded: IPS' effective[x] says so.
    medication = found["MedicationStatement"]
    assert "effectivePeriod" not in medication
    assert medication["_effectiveDateTime"]["extension"][0]["valueCode"] == "unknown"
    # Vital signs keep FHIR's vital signs profiles (IPS has none of its own for them).
    assert not any(p.startswith(IPS) for p in claims["Observation"])


@pytest.mark.django_db
def test_a_patient_without_a_birth_date_does_not_claim_ips_patient(alpha, fhir_as):
    with scopes_disabled():
        newcomer = make_patient(alpha.clinic, "Nora", "Newcomer")
    status, summary = fhir_as(alpha.owner, alpha.org).get(f"Patient/{newcomer.pk}/$summary")
    assert status == 200
    patient = next(e["resource"] for e in summary["entry"] if e["resource"]["resourceType"] == "Patient")
    assert f"{IPS}Patient-uv-ips" not in patient["meta"]["profile"]


def _without(resource: dict, *path: str) -> dict:
    broken = copy.deepcopy(resource)
    holder = broken
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return broken


def _with(resource: dict, key: str, value) -> dict:
    return {**copy.deepcopy(resource), key: value}


IN_ERROR = {"coding": [{"code": "entered-in-error"}]}


@pytest.mark.django_db
def test_the_validator_fails_what_misses_a_required_element_of_its_ips_profile(alpha, fhir_as):
    found = summary_resources(alpha, fhir_as)
    allergy, condition = found["AllergyIntolerance"], found["Condition"]
    medication, patient = found["MedicationStatement"], found["Patient"]
    organization = found["Organization"]
    for valid in (allergy, condition, medication, patient, organization):
        check_resource(valid)
    broken = {
        "allergy without a patient reference": _without(allergy, "patient", "reference"),
        "allergy code with neither coding nor text": _with(allergy, "code", {"extension": []}),
        "allergy without a clinical status (ait-1)": _without(allergy, "clinicalStatus"),
        "allergy clinical status from another system": _with(
            allergy, "clinicalStatus", {"coding": [{"system": "http://example.org", "code": "active"}]}
        ),
        "allergy in error with a clinical status (ait-2)": _with(allergy, "verificationStatus", IN_ERROR),
        "condition without a code": _without(condition, "code"),
        "condition without a subject reference": _without(condition, "subject", "reference"),
        "condition without a clinical status (con-3)": _without(condition, "clinicalStatus"),
        "condition abated while active (con-4)": _with(condition, "abatementDateTime", "2020-01-01"),
        "medication without effective[x]": _without(medication, "_effectiveDateTime"),
        "medication without a subject reference": _without(medication, "subject", "reference"),
        "medication named by nothing": _with(medication, "medicationCodeableConcept", {"extension": []}),
        "patient without a birth date": _without(patient, "birthDate"),
        "patient name with nothing in it (ips-pat-1)": _with(patient, "name", [{"use": "official"}]),
        "organization without a name": _without(organization, "name"),
    }
    for why, resource in broken.items():
        # Claiming only its IPS profile, the resource fails; claiming nothing, it passes: the IPS
        # checker is what finds the fault.
        ips_only = {**resource, "meta": {"profile": [p for p in resource["meta"]["profile"] if IPS in p]}}
        with pytest.raises(ProfileError):
            check_resource(ips_only)
            pytest.fail(f"passed: {why}")
        check_resource({**resource, "meta": {}})


def test_a_claimed_profile_the_validator_does_not_know_fails():
    observation = {
        "resourceType": "Observation",
        "meta": {"profile": [f"{IPS}Observation-results-laboratory-uv-ips"]},
        "status": "final",
        "code": {"text": "Haemoglobin"},
    }
    with pytest.raises(ProfileError, match="cannot check"):
        check_resource(observation)
