"""``Patient/{id}/$everything`` and ``Patient/{id}/$summary`` (the IPS document), and the $everything
Bundle in the patient's data download. Every Bundle is parsed with fhir.resources and checked against the
IPS profiles it claims (tests/fhir/validation.py)."""

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from core.tenancy.services import set_module_enabled
from tests.factories import PASSWORD, link_patient_login, make_patient, make_user
from tests.fhir.conftest import app_client, chart
from tests.fhir.validation import check_resource


def sections(summary):
    composition = summary["entry"][0]["resource"]
    return {s["code"]["coding"][0]["code"]: s for s in composition["section"]}


@pytest.mark.django_db
def test_summary_of_a_charted_patient(alpha, beta, fhir_as):
    with scopes_disabled():
        chart(alpha)
    fhir = fhir_as(alpha.practitioner, alpha.org)
    status, summary = fhir.get(f"Patient/{alpha.patient.pk}/$summary")
    assert status == 200, summary
    assert summary["type"] == "document"
    composition = summary["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    found = sections(summary)
    assert set(found) == {"48765-2", "10160-0", "11450-4", "8716-3"}
    by_url = {e["fullUrl"]: e["resource"] for e in summary["entry"]}
    allergies = [by_url[e["reference"]] for e in found["48765-2"]["entry"]]
    assert [a["code"]["text"] for a in allergies] == ["Penicillin"]  # not the one entered in error
    assert "Penicillin" in found["48765-2"]["text"]["div"]
    problems = [by_url[e["reference"]] for e in found["11450-4"]["entry"]]
    assert problems[0]["code"]["coding"][0]["code"] == "M54.50"
    vitals = [by_url[e["reference"]]["code"]["coding"][0]["code"] for e in found["8716-3"]["entry"]]
    assert sorted(vitals) == sorted(
        ["8302-2", "29463-7", "39156-5", "85354-9", "8867-4", "8310-5", "59408-5", "9279-1"]
    )
    for other in (beta.patient.pk, 987654321):
        status, outcome = fhir.get(f"Patient/{other}/$summary")
        assert status == 404 and outcome["resourceType"] == "OperationOutcome"


@pytest.mark.django_db
def test_summary_of_a_patient_with_nothing_recorded_says_why(alpha, fhir_as):
    with scopes_disabled():
        newcomer = make_patient(alpha.clinic, "Nora", "Newcomer")
    status, summary = fhir_as(alpha.owner, alpha.org).get(f"Patient/{newcomer.pk}/$summary")
    assert status == 200
    found = sections(summary)
    assert set(found) == {"48765-2", "10160-0", "11450-4"}  # no vital signs section when there are none
    for section in found.values():
        assert "entry" not in section
        assert section["emptyReason"]["coding"][0]["code"] == "unavailable"
    assert [e["resource"]["resourceType"] for e in summary["entry"]] == [
        "Composition",
        "Patient",
        "Organization",
    ]


@pytest.mark.django_db
def test_everything_holds_the_compartment_and_what_it_refers_to(alpha, beta, fhir_as):
    from tests.fhir.conftest import make_bookable, next_day_at
    from tests.fhir.test_module_resources import book

    with scopes_disabled():
        chart(alpha)
        make_bookable(alpha)
        appointment = book(alpha, next_day_at(alpha, 9))
    fhir = fhir_as(alpha.owner, alpha.org)
    status, bundle = fhir.get(f"Patient/{alpha.patient.pk}/$everything")
    assert status == 200
    kinds = [(e["search"]["mode"], e["resource"]["resourceType"]) for e in bundle["entry"]]
    assert kinds[0] == ("match", "Patient")
    matched = {t for mode, t in kinds if mode == "match"}
    assert matched == {
        "Patient",
        "Appointment",
        "Encounter",
        "Condition",
        "AllergyIntolerance",
        "MedicationStatement",
        "Observation",
        "DocumentReference",
        "Provenance",
    }
    assert {t for mode, t in kinds if mode == "include"} >= {"Practitioner", "Location", "Organization"}
    assert f"Appointment/{appointment.pk}" in {
        f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]
    }
    assert bundle["total"] == len([k for k in kinds if k[0] == "match"])
    status, outcome = fhir.get(f"Patient/{beta.patient.pk}/$everything")
    assert status == 404
    status, outcome = fhir.get(f"Patient/{alpha.patient.pk}/$everything", _since="2020-01-01")
    assert status == 400
    status, outcome = fhir.get(f"Patient/{alpha.patient.pk}/$everything", _count="x")
    assert status == 400


@pytest.mark.django_db
def test_everything_follows_the_callers_reach(alpha, fhir_as):
    with scopes_disabled():
        chart(alpha)
    status, bundle = fhir_as(alpha.staff, alpha.org).get(f"Patient/{alpha.patient.pk}/$everything")
    assert status == 200
    assert {e["resource"]["resourceType"] for e in bundle["entry"] if e["search"]["mode"] == "match"} == {
        "Patient"
    }
    with scopes_disabled():
        login = make_user("erin-narrow@alpha.test")
        link_patient_login(alpha.patient, login)
        app = app_client(alpha.org, login, "patient", "patient/Patient.rs patient/Condition.rs")
    status, bundle = app.get(f"Patient/{alpha.patient.pk}/$everything")
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {"Patient", "Condition"}
    status, outcome = app.get(f"Patient/{alpha.patient.pk}/$summary")
    assert status == 200
    assert "entry" not in sections(outcome)["48765-2"]  # allergies are not in the granted scopes


@pytest.mark.django_db
def test_the_data_download_holds_the_everything_bundle(alpha):
    with scopes_disabled():
        chart(alpha)
        link_patient_login(alpha.patient, make_user("erin-download@alpha.test"))
    with scope(organization=alpha.org.pk):
        # Switched off today, the records stay the patient's and stay in their download.
        set_module_enabled(alpha.clinic, "records", False)
    client = Client()
    client.post(
        f"/c/{alpha.clinic.slug}/account/login/",
        {"username": "erin-download@alpha.test", "password": PASSWORD},
    )
    [part] = client.get(f"/c/{alpha.clinic.slug}/account/my-data.json").json()["organizations"]
    bundle = part["fhir_everything"]
    check_resource(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    assert resources[0]["id"] == str(alpha.patient.pk)
    types = {r["resourceType"] for r in resources}
    assert {"DocumentReference", "Observation", "Condition", "AllergyIntolerance"} <= types
    # As the patient sees it: nothing struck through, values as numbers.
    assert "Latex" not in str(bundle)
    weight = next(r for r in resources if r["resourceType"] == "Observation" and "valueQuantity" in r)
    assert isinstance(weight["valueQuantity"]["value"], float)
