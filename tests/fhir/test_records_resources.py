"""Contract tests for the clinical record on FHIR (Encounter, Condition, AllergyIntolerance,
MedicationStatement, Observation, DocumentReference with its PDF as Binary, Provenance): read, search,
paging, not found, another organization's id, the search parameters, and who sees what (the chart's
rules: the front desk sees nothing clinical, a note's privacy holds, a patient app sees what the portal
shows its patient)."""

from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope, scopes_disabled

from core.tenancy.services import set_module_enabled
from plugins.records.fhir.provenance import CHANGED_TYPES
from tests.factories import link_patient_login, make_user
from tests.fhir.conftest import app_client, chart

CLINICAL_TYPES = [
    "Encounter",
    "Condition",
    "AllergyIntolerance",
    "MedicationStatement",
    "Observation",
    "DocumentReference",
    "Provenance",
]


def ids_of(tenant):
    record = tenant.chart
    return {
        "Encounter": record["encounter"].pk,
        "Condition": record["problem"].pk,
        "AllergyIntolerance": record["allergy"].pk,
        "MedicationStatement": record["medication"].pk,
        "Observation": record["vitals"]["systolic"].pk,
        "DocumentReference": record["note"].pk,
        "Provenance": record["note"].pk,
    }


def signed_note(tenant, encounter, author_role: str, privacy: str):
    """A signed SOAP note on ``encounter`` by ``author_role`` (call under ``scopes_disabled``)."""
    from plugins.records.services import notes

    with scope(organization=tenant.org.pk):
        note = notes.create_note(
            encounter,
            tenant.chart["note"].template_version,
            author=tenant.memberships[author_role],
            privacy=privacy,
        )
        note = notes.save_draft(
            note, {"complaint": "Again", "assessment": "Same", "plan": "Rest"}, revision=None
        )
        return notes.sign_note(note, by=getattr(tenant, author_role))


@pytest.fixture
def charts(alpha, beta):
    with scopes_disabled():
        chart(alpha)
        chart(beta)
    return alpha, beta


def entry_ids(bundle):
    return [e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == "match"]


@pytest.mark.django_db
@pytest.mark.parametrize("resource_type", CLINICAL_TYPES)
def test_read_search_paging_and_other_organization(charts, fhir_as, resource_type):
    alpha, beta = charts
    fhir = fhir_as(alpha.owner, alpha.org)
    own, other = ids_of(alpha)[resource_type], ids_of(beta)[resource_type]

    status, resource = fhir.get(f"{resource_type}/{own}")
    assert status == 200 and resource["id"] == str(own)
    status, bundle = fhir.get(resource_type, patient=f"Patient/{alpha.patient.pk}", _count="1")
    assert status == 200 and bundle["total"] >= 1 and len(bundle["entry"]) == 1
    if bundle["total"] > 1:
        assert any(link["relation"] == "next" for link in bundle["link"])
    status, bundle = fhir.get(resource_type, _id=str(own))
    assert bundle["entry"][0]["resource"] == resource
    status, bundle = fhir.get(resource_type, _count="0")
    assert status == 200 and bundle["entry"] == []

    for missing in (other, 987654321, "abc"):
        status, outcome = fhir.get(f"{resource_type}/{missing}")
        assert status == 404 and outcome["issue"][0]["code"] == "not-found"
    status, bundle = fhir.get(resource_type, _id=str(other))
    assert bundle["total"] == 0
    status, bundle = fhir.get(resource_type, patient=f"Patient/{beta.patient.pk}")
    assert bundle["total"] == 0 and beta.org.name not in str(bundle)


@pytest.mark.django_db
def test_the_records_shape(charts, fhir_as):
    from core.tenancy.models import Clinic

    alpha, _beta = charts
    with scopes_disabled():
        Clinic.objects.filter(pk=alpha.clinic.pk).update(timezone="America/Toronto")
    fhir = fhir_as(alpha.owner, alpha.org)
    record = alpha.chart

    status, problem = fhir.get(f"Condition/{record['problem'].pk}")
    assert problem["code"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/icd-10-cm",
        "code": "M54.50",
        "display": "Low back pain, unspecified",
    }
    assert problem["clinicalStatus"]["coding"][0]["code"] == "active"
    assert problem["category"][0]["coding"][0]["code"] == "problem-list-item"

    status, allergy = fhir.get(f"AllergyIntolerance/{record['allergy'].pk}")
    assert allergy["code"]["text"] == "Penicillin" and allergy["criticality"] == "high"
    assert allergy["reaction"] == [{"manifestation": [{"text": "Hives"}], "severity": "severe"}]
    status, struck = fhir.get(f"AllergyIntolerance/{record['allergy_in_error'].pk}")
    assert struck["verificationStatus"]["coding"][0]["code"] == "entered-in-error"
    assert "clinicalStatus" not in struck

    status, medication = fhir.get(f"MedicationStatement/{record['medication'].pk}")
    assert medication["status"] == "active" and medication["medicationCodeableConcept"]["text"] == "Ibuprofen"
    assert medication["dosage"] == [{"text": "400 mg twice a day", "route": {"text": "oral"}}]

    status, pressure = fhir.get(f"Observation/{record['vitals']['systolic'].pk}")
    assert pressure["code"]["coding"][0]["code"] == "85354-9"
    assert [(c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in pressure["component"]] == [
        ("8480-6", 120.0),
        ("8462-4", 80.0),
    ]
    # The diastolic half is inside the blood pressure, not a resource of its own.
    status, _outcome = fhir.get(f"Observation/{record['vitals']['diastolic'].pk}")
    assert status == 404
    status, weight = fhir.get(f"Observation/{record['vitals']['weight'].pk}")
    assert weight["valueQuantity"] == {
        "value": 80.0,
        "unit": "kg",
        "system": "http://unitsofmeasure.org",
        "code": "kg",
    }
    assert "http://hl7.org/fhir/us/core/StructureDefinition/us-core-body-weight" in weight["meta"]["profile"]
    # Times carry the clinic's offset (Toronto in December), whatever the server's zone.
    assert weight["effectiveDateTime"].endswith("-05:00")
    assert (
        weight["effectiveDateTime"]
        == record["vitals"]["weight"].measured_at.astimezone(ZoneInfo("America/Toronto")).isoformat()
    )

    status, encounter = fhir.get(f"Encounter/{record['encounter'].pk}")
    assert encounter["status"] == "finished"  # documented by a signed note
    assert encounter["reasonCode"] == [{"text": "Back pain"}]
    assert encounter["participant"][0]["individual"]["reference"] == (
        f"Practitioner/{alpha.memberships['practitioner'].pk}"
    )

    status, document = fhir.get(f"DocumentReference/{record['note'].pk}")
    assert document["category"][0]["coding"][0]["code"] == "clinical-note"
    assert document["type"]["coding"][0]["code"] == "11506-3"
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert attachment["url"].endswith(f"/fhir/R4/Binary/note-{record['note'].pk}")

    status, provenance = fhir.get(f"Provenance/{record['note'].pk}")
    assert provenance["target"] == [{"reference": f"DocumentReference/{record['note'].pk}"}]
    assert (
        provenance["agent"][0]["who"]["reference"] == f"Practitioner/{alpha.memberships['practitioner'].pk}"
    )
    assert provenance["signature"][0]["when"] == provenance["recorded"]


@pytest.mark.django_db
def test_drafts_are_never_documents(charts, fhir_as):
    alpha, _beta = charts
    fhir = fhir_as(alpha.practitioner, alpha.org)
    status, _outcome = fhir.get(f"DocumentReference/{alpha.chart['draft'].pk}")
    assert status == 404
    status, bundle = fhir.get("DocumentReference", patient=f"Patient/{alpha.patient.pk}")
    assert entry_ids(bundle) == [str(alpha.chart["note"].pk)]


@pytest.mark.django_db
def test_the_notes_pdf_as_binary(charts, fhir_as):
    alpha, beta = charts
    fhir = fhir_as(alpha.owner, alpha.org)
    path = f"Binary/note-{alpha.chart['note'].pk}"
    status, binary = fhir.get(path)
    assert status == 200 and binary["contentType"] == "application/pdf"
    import base64

    assert base64.b64decode(binary["data"]).startswith(b"%PDF")
    raw = fhir.client.get(f"/fhir/R4/{path}", headers={**fhir.headers, "Accept": "application/pdf"})
    assert raw.status_code == 200 and raw["Content-Type"] == "application/pdf"
    assert raw.content.startswith(b"%PDF")
    for missing in (
        f"Binary/note-{beta.chart['note'].pk}",
        f"Binary/note-{alpha.chart['draft'].pk}",
        "Binary/x-1",
    ):
        status, outcome = fhir.get(missing)
        assert status == 404, missing
    status, outcome = fhir.get("Binary")
    assert status == 400  # read only


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("resource_type", "params", "matches"),
    [
        ("Condition", {"category": "problem-list-item"}, 1),
        ("Condition", {"category": "health-concern"}, 0),
        ("Condition", {"clinical-status": "active"}, 1),
        ("Condition", {"clinical-status": "resolved"}, 0),
        ("Condition", {"code": "http://hl7.org/fhir/sid/icd-10-cm|M54.50"}, 1),
        ("Condition", {"code": "http://snomed.info/sct|M54.50"}, 0),
        ("Condition", {"recorded-date": "ge2020-01-01"}, 1),
        ("Condition", {"_lastUpdated": "lt2020-01-01"}, 0),
        ("AllergyIntolerance", {"clinical-status": "active"}, 1),
        ("AllergyIntolerance", {}, 2),
        ("AllergyIntolerance", {"date": "ge2020-01-01"}, 2),
        ("MedicationStatement", {"status": "active"}, 1),
        ("MedicationStatement", {"status": "stopped"}, 0),
        ("Observation", {"category": "vital-signs"}, 8),  # BMI added, blood pressure as one
        ("Observation", {"category": "survey"}, 1),
        ("Observation", {"code": "http://loinc.org|85354-9"}, 1),
        ("Observation", {"code": "29463-7,8302-2"}, 2),
        ("Observation", {"code": "8462-4"}, 0),
        ("Observation", {"status": "final", "category": "vital-signs"}, 8),
        ("Observation", {"date": "ge2020-01-01", "code": "39156-5"}, 1),
        ("Observation", {"date": "lt2020-01-01"}, 0),
        ("Encounter", {"status": "finished"}, 1),
        ("Encounter", {"status": "in-progress"}, 0),
        ("Encounter", {"class": "AMB", "type": "walk_in"}, 1),
        ("Encounter", {"date": "ge2020-01-01"}, 1),
        ("Encounter", {"_lastUpdated": "ge2020-01-01"}, 1),
        ("DocumentReference", {"category": "clinical-note", "date": "ge2020-01-01"}, 1),
        ("DocumentReference", {"type": "http://loinc.org|11506-3"}, 1),
        ("DocumentReference", {"status": "current"}, 1),
        ("DocumentReference", {"status": "entered-in-error"}, 0),
        ("Provenance", {"_lastUpdated": "lt2020-01-01"}, 0),
    ],
)
def test_search_parameters(charts, fhir_as, resource_type, params, matches):
    alpha, _beta = charts
    fhir = fhir_as(alpha.owner, alpha.org)
    status, bundle = fhir.get(resource_type, patient=f"Patient/{alpha.patient.pk}", **params)
    assert status == 200, bundle
    assert bundle["total"] == matches, (params, [e["resource"].get("code") for e in bundle["entry"]])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("resource_type", "params"),
    [
        ("Observation", {"status": "someday"}),
        ("Observation", {"date": "last week"}),
        ("Condition", {"clinical-status": "sleeping"}),
        ("Encounter", {"status": "later"}),
        ("DocumentReference", {"_revinclude": "Provenance:agent"}),
        ("Observation", {"patient": "Practitioner/3"}),
        ("Condition", {"colour": "red"}),
    ],
)
def test_bad_search_values_are_400_outcomes(charts, fhir_as, resource_type, params):
    alpha, _beta = charts
    status, outcome = fhir_as(alpha.owner, alpha.org).get(resource_type, **params)
    assert status == 400 and outcome["resourceType"] == "OperationOutcome"


@pytest.mark.django_db
def test_revinclude_brings_the_notes_provenance(charts, fhir_as):
    alpha, _beta = charts
    fhir = fhir_as(alpha.owner, alpha.org)
    status, bundle = fhir.get(
        "DocumentReference", patient=f"Patient/{alpha.patient.pk}", _revinclude="Provenance:target"
    )
    assert [(e["search"]["mode"], e["resource"]["resourceType"]) for e in bundle["entry"]] == [
        ("match", "DocumentReference"),
        ("include", "Provenance"),
    ]


@pytest.mark.django_db
def test_the_front_desk_sees_no_clinical_resource(charts, fhir_as):
    alpha, _beta = charts
    fhir = fhir_as(alpha.staff, alpha.org)
    for resource_type, pk in ids_of(alpha).items():
        status, _outcome = fhir.get(f"{resource_type}/{pk}")
        assert status == 404, resource_type
        status, bundle = fhir.get(resource_type)
        assert bundle["total"] == 0, resource_type
    status, _outcome = fhir.get(f"Binary/note-{alpha.chart['note'].pk}")
    assert status == 404
    # The patient's record itself is front-desk business; the summary holds nothing clinical.
    status, summary = fhir.get(f"Patient/{alpha.patient.pk}/$summary")
    assert status == 200
    assert all("emptyReason" in s for s in summary["entry"][0]["resource"]["section"])


@pytest.mark.django_db
def test_a_notes_privacy_holds_over_fhir(charts, fhir_as):
    alpha, _beta = charts
    with scopes_disabled():
        private = signed_note(alpha, alpha.chart["encounter"], "owner", "author")
    status, _document = fhir_as(alpha.owner, alpha.org).get(f"DocumentReference/{private.pk}")
    assert status == 200
    for path in (f"DocumentReference/{private.pk}", f"Provenance/{private.pk}", f"Binary/note-{private.pk}"):
        status, _outcome = fhir_as(alpha.practitioner, alpha.org).get(path)
        assert status == 404, path


@pytest.mark.django_db
def test_a_patient_app_sees_what_the_portal_shows(charts):
    from plugins.records.models import Encounter

    alpha, beta = charts
    with scopes_disabled():
        login = make_user("erin-app@alpha.test")
        link_patient_login(alpha.patient, login)
        app = app_client(alpha.org, login, "patient", "launch/patient patient/*.rs")
        with scope(organization=alpha.org.pk):
            follow_up = Encounter.objects.create(
                organization=alpha.org,
                clinic=alpha.clinic,
                patient=alpha.patient,
                practitioner=alpha.memberships["practitioner"],
                kind="phone",
                reason="Follow-up",
                created_by=alpha.practitioner,
            )
        unshared = signed_note(alpha, follow_up, "practitioner", "clinical")
    status, bundle = app.get("DocumentReference")
    assert entry_ids(bundle) == [str(alpha.chart["note"].pk)]
    for path in (
        f"DocumentReference/{unshared.pk}",
        f"Binary/note-{unshared.pk}",
        f"Encounter/{follow_up.pk}",
    ):
        status, _outcome = app.get(path)
        assert status == 404, path
    status, bundle = app.get("Encounter")
    assert entry_ids(bundle) == [str(alpha.chart["encounter"].pk)]  # the visit of the shared note
    assert "reasonCode" not in bundle["entry"][0]["resource"]
    status, bundle = app.get("AllergyIntolerance")
    assert {e["resource"]["code"]["text"] for e in bundle["entry"]} == {"Penicillin"}  # not what is struck
    status, bundle = app.get("Observation")
    assert bundle["total"] == 9
    status, bundle = app.get("Observation", patient=f"Patient/{beta.patient.pk}")
    assert bundle["total"] == 0
    status, _outcome = app.get(f"Condition/{ids_of(beta)['Condition']}")
    assert status == 404


@pytest.mark.django_db
def test_a_patient_app_reads_its_shared_note_without_clinician_only_fields(alpha):
    with scopes_disabled():
        chart(alpha)
        login = make_user("erin-pdf@alpha.test")
        link_patient_login(alpha.patient, login)
        app = app_client(alpha.org, login, "patient", "launch/patient patient/DocumentReference.rs")
    note = alpha.chart["note"]
    status, document = app.get(f"DocumentReference/{note.pk}")
    assert status == 200
    # The note's PDF comes with the DocumentReference scope.
    status, binary = app.get(f"Binary/note-{note.pk}")
    assert status == 200 and binary["contentType"] == "application/pdf"
    status, outcome = app.get("Condition")
    assert status == 403


@pytest.mark.django_db
def test_a_backend_service_reads_notes_every_clinician_may_read(charts):
    alpha, _beta = charts
    with scopes_disabled():
        private = signed_note(alpha, alpha.chart["encounter"], "practitioner", "practitioners")
        backend = app_client(alpha.org, None, "backend", "system/*.rs")
    status, bundle = backend.get("DocumentReference")
    assert entry_ids(bundle) == [str(alpha.chart["note"].pk)]
    status, _outcome = backend.get(f"DocumentReference/{private.pk}")
    assert status == 404
    status, bundle = backend.get("Observation")
    assert bundle["total"] == 9


@pytest.mark.django_db
def test_records_switched_off_disappear_from_fhir(charts, fhir_as):
    alpha, _beta = charts
    with scope(organization=alpha.org.pk):
        set_module_enabled(alpha.clinic, "records", False)
    fhir = fhir_as(alpha.owner, alpha.org)
    for resource_type, pk in ids_of(alpha).items():
        status, _outcome = fhir.get(f"{resource_type}/{pk}")
        assert status == 404, resource_type
        status, bundle = fhir.get(resource_type)
        assert bundle["total"] == 0, resource_type


@pytest.mark.django_db
def test_capability_statement_lists_the_clinical_record():
    from django.test import Client

    from tests.fhir.validation import checked

    statement = checked(Client().get("/fhir/R4/metadata"))
    listed = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(CLINICAL_TYPES) | {"Binary"} <= set(listed)
    assert [i["code"] for i in listed["Consent"]["interaction"]] == ["read", "search-type"]
    assert [i["code"] for i in listed["Binary"]["interaction"]] == ["read"]
    assert "searchParam" not in listed["Binary"] or listed["Binary"]["searchParam"] == []
    observation = listed["Observation"]
    assert {"_id", "_lastUpdated", "patient", "category", "code", "date", "status"} == {
        p["name"] for p in observation["searchParam"]
    }
    assert "http://hl7.org/fhir/StructureDefinition/vitalsigns" in observation["supportedProfile"]
    for revincluding in ("DocumentReference", *CHANGED_TYPES):
        assert listed[revincluding]["searchRevInclude"] == ["Provenance:target"], revincluding
    provenance = listed["Provenance"]
    assert {p["name"] for p in provenance["searchParam"]} == {"_id", "_lastUpdated", "patient", "target"}
    assert provenance["supportedProfile"] == [
        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-provenance"
    ]
    assert (
        "http://hl7.org/fhir/uv/ips/StructureDefinition/Condition-uv-ips"
        in (listed["Condition"]["supportedProfile"])
    )
    assert {o["name"] for o in listed["Patient"]["operation"]} == {"everything", "summary"}
