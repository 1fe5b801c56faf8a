"""Contract tests for the Provenance of the chart's changes (Condition, AllergyIntolerance,
MedicationStatement, Observation, Encounter): read, search by target and patient, paging across the
sources, another organization's id, ``_revinclude=Provenance:target``, who sees what, the access log and
the queries a search costs. Every resource is checked against US Core Provenance (validation.py)."""

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from tests.audit.helpers import accesses
from tests.factories import link_patient_login, make_user
from tests.fhir.conftest import app_client, chart

OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
CHANGED = {
    "Condition": "problem",
    "AllergyIntolerance": "allergy",
    "MedicationStatement": "medication",
    "Observation": None,  # the weight
    "Encounter": "encounter",
}


def target_of(tenant, resource_type: str) -> str:
    record = tenant.chart
    row = record["vitals"]["weight"] if resource_type == "Observation" else record[CHANGED[resource_type]]
    return f"{resource_type}/{row.pk}"


@pytest.fixture
def charts(alpha, beta):
    with scopes_disabled():
        chart(alpha)
        chart(beta)
    return alpha, beta


def activities(bundle) -> list[tuple[str, str]]:
    return [
        (e["resource"]["activity"]["coding"][0]["code"], e["resource"]["agent"][0]["who"]["reference"])
        for e in bundle["entry"]
    ]


@pytest.mark.django_db
def test_a_changed_problem_has_a_provenance_for_each_version(charts, fhir_as):
    from core.tenancy.models import Clinic
    from plugins.records.services import lists

    alpha, _beta = charts
    problem = alpha.chart["problem"]
    with scopes_disabled(), scope(organization=alpha.org.pk):
        Clinic.objects.filter(pk=alpha.clinic.pk).update(timezone="America/Toronto")
        lists.change_entry(problem, {"description": "Chronic low back pain"}, by=alpha.owner, version=1)
    fhir = fhir_as(alpha.practitioner, alpha.org)
    status, bundle = fhir.get("Provenance", target=f"Condition/{problem.pk}")
    assert status == 200 and bundle["total"] == 2
    assert activities(bundle) == [
        ("CREATE", f"Practitioner/{alpha.memberships['practitioner'].pk}"),
        ("UPDATE", f"Practitioner/{alpha.memberships['owner'].pk}"),
    ]
    created = bundle["entry"][0]["resource"]
    assert created["target"] == [{"reference": f"Condition/{problem.pk}"}]
    assert created["activity"]["coding"][0]["system"] == OPERATION
    assert created["agent"][0]["onBehalfOf"]["reference"] == f"Organization/{alpha.org.pk}"
    assert created["recorded"].endswith("-05:00")  # the clinic's zone (Toronto in December)
    assert created["id"].startswith("condition-")
    status, read = fhir.get(f"Provenance/{created['id']}")
    assert status == 200 and read == created


@pytest.mark.django_db
@pytest.mark.parametrize("resource_type", list(CHANGED))
def test_each_record_types_provenance(charts, fhir_as, resource_type):
    alpha, beta = charts
    fhir = fhir_as(alpha.owner, alpha.org)
    target = target_of(alpha, resource_type)
    status, bundle = fhir.get("Provenance", target=target)
    assert status == 200 and bundle["total"] == 1, bundle
    provenance = bundle["entry"][0]["resource"]
    assert provenance["target"] == [{"reference": target}]
    assert provenance["activity"]["coding"][0]["code"] == "CREATE"
    # The chart's helpers record as the practitioner (an encounter: its creator).
    assert provenance["agent"][0]["who"]["reference"] == (
        f"Practitioner/{alpha.memberships['practitioner'].pk}"
    )
    status, read = fhir.get(f"Provenance/{provenance['id']}")
    assert status == 200 and read == provenance
    status, found = fhir.get("Provenance", _id=provenance["id"], patient=f"Patient/{alpha.patient.pk}")
    assert [e["resource"] for e in found["entry"]] == [provenance]

    # Another organization's change is a 404, its record's Provenance is not found by target or patient.
    status, theirs = fhir_as(beta.owner, beta.org).get("Provenance", target=target_of(beta, resource_type))
    other_id = theirs["entry"][0]["resource"]["id"]
    status, outcome = fhir.get(f"Provenance/{other_id}")
    assert status == 404 and outcome["resourceType"] == "OperationOutcome"
    status, bundle = fhir.get("Provenance", target=target_of(beta, resource_type))
    assert bundle["total"] == 0
    status, bundle = fhir.get("Provenance", patient=f"Patient/{beta.patient.pk}")
    assert bundle["total"] == 0

    # _revinclude brings each match's Provenance along.
    status, bundle = fhir.get(resource_type, _id=target.split("/")[1], _revinclude="Provenance:target")
    assert [(e["search"]["mode"], e["resource"]["resourceType"]) for e in bundle["entry"]] == [
        ("match", resource_type),
        ("include", "Provenance"),
    ]
    assert bundle["entry"][1]["resource"] == provenance


@pytest.mark.django_db
def test_an_encounter_change_names_the_member_who_made_it(charts, fhir_as):
    alpha, _beta = charts
    encounter = alpha.chart["encounter"]
    with scopes_disabled(), scope(organization=alpha.org.pk):
        # As a request would: the change's user comes from the request's history context.
        with pghistory.context(user=alpha.owner.pk):
            encounter.ended_at = timezone.now()
            encounter.save(update_fields=["ended_at"])
        # A change no member made (a system job) is the organization's.
        with pghistory.context(command="tidy"):
            encounter.reason = "Back pain, follow-up"
            encounter.save(update_fields=["reason"])
    status, bundle = fhir_as(alpha.owner, alpha.org).get("Provenance", target=f"Encounter/{encounter.pk}")
    assert activities(bundle) == [
        ("CREATE", f"Practitioner/{alpha.memberships['practitioner'].pk}"),
        ("UPDATE", f"Practitioner/{alpha.memberships['owner'].pk}"),
        ("UPDATE", f"Organization/{alpha.org.pk}"),
    ]
    assert "onBehalfOf" not in bundle["entry"][2]["resource"]["agent"][0]


@pytest.mark.django_db
def test_paging_walks_every_source_once(charts, fhir_as):
    alpha, _beta = charts
    fhir = fhir_as(alpha.owner, alpha.org)
    status, everything = fhir.get("Provenance", patient=f"Patient/{alpha.patient.pk}", _count="200")
    all_ids = [e["resource"]["id"] for e in everything["entry"]]
    assert everything["total"] == len(all_ids) > 10
    assert all_ids[0] == str(alpha.chart["note"].pk)  # the signed note's Provenance comes first
    kinds = {i.split("-")[0] for i in all_ids[1:]}
    assert kinds == {"condition", "allergyintolerance", "medicationstatement", "observation", "encounter"}
    walked = []
    for offset in range(0, len(all_ids), 4):
        status, page = fhir.get(
            "Provenance", patient=f"Patient/{alpha.patient.pk}", _count="4", _offset=str(offset)
        )
        assert page["total"] == len(all_ids)
        walked += [e["resource"]["id"] for e in page["entry"]]
    assert walked == all_ids


@pytest.mark.django_db
def test_who_sees_which_changes(charts, fhir_as):
    alpha, _beta = charts
    target = f"AllergyIntolerance/{alpha.chart['allergy_in_error'].pk}"
    status, bundle = fhir_as(alpha.owner, alpha.org).get("Provenance", target=target)
    assert [code for code, _who in activities(bundle)] == ["CREATE", "UPDATE"]  # then struck through
    # The front desk reads no chart, so no change of one.
    status, bundle = fhir_as(alpha.staff, alpha.org).get("Provenance")
    assert bundle["total"] == 0
    with scopes_disabled():
        login = make_user("erin-provenance@alpha.test")
        link_patient_login(alpha.patient, login)
        app = app_client(alpha.org, login, "patient", "patient/Provenance.rs patient/Condition.rs")
    # A patient app sees what the portal shows: nothing entered in error, and only the changes of the
    # record types its scopes reach.
    status, bundle = app.get("Provenance", target=target)
    assert bundle["total"] == 0
    status, bundle = app.get("Provenance")
    kinds = {e["resource"]["id"].split("-")[0] for e in bundle["entry"] if "-" in e["resource"]["id"]}
    assert kinds == {"condition"}


@pytest.mark.django_db
def test_reading_a_change_is_recorded_in_the_access_log(charts, fhir_as):
    alpha, _beta = charts
    fhir = fhir_as(alpha.owner, alpha.org)
    status, bundle = fhir.get("Provenance", target=f"Condition/{alpha.chart['problem'].pk}")
    status, _read = fhir.get(f"Provenance/{bundle['entry'][0]['resource']['id']}")
    assert status == 200
    assert accesses(patient=alpha.patient) == [
        (alpha.patient.pk, "clinical_lists", "view", "fhir"),
        (alpha.patient.pk, "clinical_lists", "view", "fhir"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("resource_type", ["Condition", "Observation", "Encounter"])
def test_revinclude_does_not_grow_with_the_page(alpha, fhir_as, resource_type):
    from tests.factories import make_patient

    fhir = fhir_as(alpha.owner, alpha.org)

    def cost() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            status, bundle = fhir.get(resource_type, _count="100", _revinclude="Provenance:target")
        assert status == 200
        return len(captured), len(bundle["entry"])

    with scopes_disabled():
        chart(alpha)
    few, few_entries = cost()
    with scopes_disabled():
        for i in range(4):
            chart(alpha, make_patient(alpha.clinic, f"R{i}", "Revincluded"))
    many, many_entries = cost()
    assert many_entries > few_entries
    assert many <= few <= REVINCLUDE_BUDGET, (few, many)


# A search's own queries (the clinical budget) and, for its Provenance, one page of changes and the
# members who made them.
REVINCLUDE_BUDGET = 10


def test_the_ids_of_a_change_and_a_note_never_meet():
    from plugins.records.fhir.change_provenance import ChangeProvenance
    from plugins.records.fhir.note_provenance import NoteProvenance

    condition = ChangeProvenance("Condition")
    assert condition.id_q("12") is None and NoteProvenance().id_q("condition-12") is None
    assert condition.id_q("condition-x") is None and condition.id_q("encounter-3") is None
    assert condition.id_q("condition-12") is not None
