"""Contract tests for the core's resources: read, search, paging, not found, another organization's id
(404 as OperationOutcome, like a missing one), and the CapabilityStatement."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from tests.factories import make_patient
from tests.fhir.validation import checked


def ids_of(tenant):
    return {
        "Patient": tenant.patient.pk,
        "Practitioner": tenant.memberships["practitioner"].pk,
        "PractitionerRole": tenant.memberships["practitioner"].pk,
        "Organization": tenant.org.pk,
        "Location": tenant.clinic.pk,
    }


CORE_TYPES = ["Patient", "Practitioner", "PractitionerRole", "Organization", "Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("resource_type", CORE_TYPES)
def test_read_search_and_other_organization(alpha, beta, fhir_as, resource_type):
    fhir = fhir_as(alpha.owner, alpha.org)
    own, other = ids_of(alpha)[resource_type], ids_of(beta)[resource_type]

    status, resource = fhir.get(f"{resource_type}/{own}")
    assert status == 200 and resource["id"] == str(own)

    status, bundle = fhir.get(resource_type, _id=str(own))
    assert status == 200 and bundle["total"] == 1
    assert bundle["entry"][0]["resource"] == resource

    for missing in (other, 987654321, "abc"):
        status, outcome = fhir.get(f"{resource_type}/{missing}")
        assert status == 404 and outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["code"] == "not-found"
    # Another organization's record is not found by search either.
    status, bundle = fhir.get(resource_type, _id=str(other))
    assert status == 200 and bundle["total"] == 0
    assert beta.org.name not in str(bundle)


@pytest.mark.django_db
def test_paging_links_walk_every_patient(alpha, fhir_as):
    with scopes_disabled():
        for n in range(6):
            make_patient(alpha.clinic, f"Page{n}", "Walker")
    fhir = fhir_as(alpha.owner, alpha.org)
    seen, url = [], None
    status, bundle = fhir.get("Patient", family="Walker", _count="4")
    while True:
        assert status == 200 and bundle["total"] == 6
        seen += [e["resource"]["id"] for e in bundle["entry"]]
        following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not following:
            break
        url = following[0].split("/fhir/R4/", 1)[1]
        path, _sep, query = url.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&"))
        status, bundle = fhir.get(path, **params)
    assert len(seen) == 6 == len(set(seen))
    relations = {link["relation"] for link in bundle["link"]}
    assert {"self", "first", "previous", "last"} <= relations


@pytest.mark.django_db
def test_patient_search_parameters(alpha, fhir_as):
    from datetime import date

    with scopes_disabled():
        born = make_patient(alpha.clinic, "Bo", "Searchable", date_of_birth=date(1990, 5, 17), sex="female")
    fhir = fhir_as(alpha.owner, alpha.org)
    for params in (
        {"name": "searchab"},
        {"family": "Search"},
        {"birthdate": "1990-05-17"},
        {"birthdate": "1990-05"},
        {"birthdate": "ge1990-05-17", "family": "Searchable"},
        {"gender": "female", "family": "Searchable"},
        {"identifier": str(born.record_number)},
        {"_lastUpdated": "ge2000-01-01", "family": "Searchable"},
    ):
        status, bundle = fhir.get("Patient", **params)
        assert status == 200, (params, bundle)
        assert [e["resource"]["id"] for e in bundle["entry"]] == [str(born.pk)], params
    status, bundle = fhir.get("Patient", birthdate="lt1990-05-17", family="Searchable")
    assert bundle["total"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"birthdate": "May 1990"}, "invalid"),
        ({"colour": "red"}, "not-supported"),
        ({"_count": "x"}, "invalid"),
    ],
)
def test_bad_search_input_is_a_400_outcome(alpha, fhir_as, params, code):
    status, outcome = fhir_as(alpha.owner, alpha.org).get("Patient", **params)
    assert status == 400 and outcome["issue"][0]["code"] == code


@pytest.mark.django_db
def test_staff_sees_only_patients_of_own_clinics(alpha, fhir_as):
    with scopes_disabled():
        elsewhere = make_patient(alpha.clinics[1], "Far", "Away")
    fhir = fhir_as(alpha.staff, alpha.org)
    status, _outcome = fhir.get(f"Patient/{elsewhere.pk}")
    assert status == 404
    status, bundle = fhir.get("Patient")
    assert str(elsewhere.pk) not in {e["resource"]["id"] for e in bundle["entry"]}
    status, bundle = fhir.get("Location")
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(alpha.clinic.pk)]


@pytest.mark.django_db
def test_no_or_bad_credentials_are_401_outcomes(alpha):
    for headers in ({}, {"Authorization": "Bearer ehr_nope"}, {"Authorization": "Bearer not-a-token"}):
        response = Client().get(f"/fhir/R4/Patient/{alpha.patient.pk}", headers=headers)
        assert response.status_code == 401
        assert checked(response)["issue"][0]["code"] == "login"
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_unknown_type_and_method(alpha, fhir_as):
    fhir = fhir_as(alpha.owner, alpha.org)
    status, outcome = fhir.get("Spaceship")
    assert status == 404
    status, outcome = fhir.send("DELETE", f"Patient/{alpha.patient.pk}", {})
    assert status == 405


@pytest.mark.django_db
def test_capability_statement_lists_what_is_served():
    from core.fhir.registry import providers

    response = Client().get("/fhir/R4/metadata")
    statement = checked(response)
    assert statement["fhirVersion"] == "4.0.1"
    listed = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(listed) == set(providers())
    assert {"Patient", "Practitioner", "PractitionerRole", "Organization", "Location"} <= set(listed)
    patient = listed["Patient"]
    assert {i["code"] for i in patient["interaction"]} == {"read", "search-type", "create"}
    assert {"_id", "_lastUpdated", "identifier", "name", "birthdate", "gender"} <= {
        p["name"] for p in patient["searchParam"]
    }
    # US Core's on every read, IPS' inside the $summary document.
    assert patient["supportedProfile"] == [
        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient",
        "http://hl7.org/fhir/uv/ips/StructureDefinition/Patient-uv-ips",
    ]


@pytest.mark.django_db
def test_smart_configuration():
    for path in ("/.well-known/smart-configuration", "/fhir/R4/.well-known/smart-configuration"):
        config = Client().get(path).json()
        assert config["code_challenge_methods_supported"] == ["S256"]
        assert config["authorization_endpoint"].endswith("/oauth/authorize/")
        assert "permission-v2" in config["capabilities"]


@pytest.mark.django_db
def test_include_brings_the_practitioners_of_roles(alpha, fhir_as):
    fhir = fhir_as(alpha.owner, alpha.org)
    doctor = alpha.memberships["practitioner"].pk
    status, bundle = fhir.get(
        "PractitionerRole", practitioner=f"Practitioner/{doctor}", _include="PractitionerRole:practitioner"
    )
    assert status == 200 and bundle["total"] == 1
    modes = [
        (e["search"]["mode"], e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"]
    ]
    assert modes == [("match", "PractitionerRole", str(doctor)), ("include", "Practitioner", str(doctor))]
    status, outcome = fhir.get("PractitionerRole", _include="PractitionerRole:endpoint")
    assert status == 400 and outcome["issue"][0]["code"] == "not-supported"


@pytest.mark.django_db
def test_a_fault_of_ours_is_a_500_outcome(alpha, fhir_as, monkeypatch):
    from core.fhir.resources.patients import PatientProvider

    def broken(self, ctx, resource_id):
        raise RuntimeError("boom")

    monkeypatch.setattr(PatientProvider, "read", broken)
    status, outcome = fhir_as(alpha.owner, alpha.org).get(f"Patient/{alpha.patient.pk}")
    assert status == 500 and outcome["issue"][0]["code"] == "exception"
    assert "boom" not in str(outcome)
