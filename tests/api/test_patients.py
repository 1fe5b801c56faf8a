"""Patients through the API: search and pages, registration with the duplicate check, optimistic locking on
edits, archive, clinic links and merging, each with the back office's permissions."""

from __future__ import annotations

import datetime

import pytest
from django_scopes import scopes_disabled

from core.patients.models import Patient, PatientClinic
from tests.factories import make_patient

from .conftest import error_of

pytestmark = pytest.mark.django_db


def new_patient(clinic, **fields):
    return {"clinic_id": clinic.pk, "given_name": "Noa", "family_name": "Newcomer", **fields}


# --- list ---------------------------------------------------------------------------------------------------


def test_list_searches_filters_and_pages(alpha, api):
    with scopes_disabled():
        make_patient(alpha.clinic, "Ada", "Lovelace", date_of_birth=datetime.date(1990, 12, 10))
        riverside = make_patient(alpha.clinics[1], "Grace", "Hopper")
        archived = make_patient(alpha.clinic, "Old", "Record", archived=True)
    owner = api(alpha.owner)

    body = owner.get("/patients").json()
    assert body["count"] == 3
    assert [p["family_name"] for p in body["items"]] == ["Alphapatient", "Hopper", "Lovelace"]
    assert body["items"][0]["clinic_ids"] == [alpha.clinic.pk]

    assert [p["id"] for p in owner.get("/patients", q="hopp").json()["items"]] == [riverside.pk]
    assert [p["given_name"] for p in owner.get("/patients", q="10/12/1990").json()["items"]] == ["Ada"]
    assert owner.get("/patients", q="erin@alpha.test").json()["items"][0]["id"] == alpha.patient.pk
    clinic_only = owner.get("/patients", clinic_id=alpha.clinics[1].pk).json()
    assert [p["id"] for p in clinic_only["items"]] == [riverside.pk]
    assert [p["id"] for p in owner.get("/patients", archived="true").json()["items"]] == [archived.pk]

    first = owner.get("/patients", page_size=2).json()
    assert (first["count"], len(first["items"]), first["previous"]) == (3, 2, None)
    assert "page=2" in first["next"] and "page_size=2" in first["next"]
    second = owner.client.get(first["next"]).json()
    assert [p["family_name"] for p in second["items"]] == ["Lovelace"] and second["next"] is None
    assert owner.get("/patients", page=9).json()["items"] == []

    assert list(error_of(owner.get("/patients", page=0))["fields"]) == ["page"]
    assert list(error_of(owner.get("/patients", page_size=1000))["fields"]) == ["page_size"]


def test_staff_list_only_their_clinics_patients(alpha, api):
    with scopes_disabled():
        make_patient(alpha.clinics[1], "Grace", "Hopper")
    staff = api(alpha.staff)
    assert [p["id"] for p in staff.get("/patients").json()["items"]] == [alpha.patient.pk]
    # A clinic they do not work at filters to nothing, as on the page.
    assert staff.get("/patients", clinic_id=alpha.clinics[1].pk).json()["count"] == 0


# Session, user, memberships (two), then the operation: one COUNT, one page of rows, one prefetch of clinic
# links. The budget is the same for 5 patients as for 30.
LIST_QUERY_BUDGET = 7


def test_list_query_count_does_not_grow_with_patients(alpha, api, django_assert_max_num_queries):
    owner = api(alpha.owner)
    owner.get("/patients")  # the session's first touch writes it; measure steady-state calls
    counts = []
    for total in (5, 30):
        with scopes_disabled():
            for n in range(total - Patient.objects.filter(organization=alpha.org).count()):
                make_patient(alpha.clinics[n % 2], "Many", f"Patient{n:03d}")
        with django_assert_max_num_queries(LIST_QUERY_BUDGET) as captured:
            body = owner.get("/patients", page_size=100).json()
        assert body["count"] == len(body["items"]) == total
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


# --- register -----------------------------------------------------------------------------------------------


def test_register_patient(alpha, api):
    response = api(alpha.staff).post(
        "/patients",
        new_patient(alpha.clinic, date_of_birth="1984-02-29", email="Noa@Example.test", country="fr"),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["possible_duplicates"] == []
    assert (body["clinic_ids"], body["country"], body["version"]) == ([alpha.clinic.pk], "FR", 1)
    assert body["record_number"] > alpha.patient.record_number
    with scopes_disabled():
        patient = Patient.objects.get(pk=body["id"])
    assert (patient.given_name, patient.date_of_birth) == ("Noa", datetime.date(1984, 2, 29))


def test_possible_duplicates_refuse_registration_until_confirmed(alpha, api):
    owner = api(alpha.owner)
    same_email = new_patient(alpha.clinic, email="erin@alpha.test")
    refused = owner.post("/patients", same_email)
    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "possible_duplicates"
    assert [d["id"] for d in error["possible_duplicates"]] == [alpha.patient.pk]
    assert set(error["possible_duplicates"][0]) == {
        "id",
        "record_number",
        "given_name",
        "family_name",
        "date_of_birth",
    }
    with scopes_disabled():
        assert Patient.objects.filter(organization=alpha.org).count() == 1

    confirmed = owner.post("/patients", {**same_email, "confirm_duplicate": True})
    assert confirmed.status_code == 201
    assert [d["id"] for d in confirmed.json()["possible_duplicates"]] == [alpha.patient.pk]
    with scopes_disabled():
        assert Patient.objects.filter(organization=alpha.org).count() == 2


def test_register_refuses_bad_input(alpha, beta, api):
    staff = api(alpha.staff)
    cases = [
        ({"clinic_id": alpha.clinic.pk, "family_name": "X"}, "given_name"),
        (new_patient(alpha.clinic, given_name="  "), "given_name"),
        (new_patient(alpha.clinic, date_of_birth="2999-01-01"), "date_of_birth"),
        (new_patient(alpha.clinic, date_of_birth="yesterday"), "date_of_birth"),
        (new_patient(alpha.clinic, sex="robot"), "sex"),
        (new_patient(alpha.clinic, email="not-an-email"), "email"),
        (new_patient(alpha.clinic, preferred_language="xx"), "preferred_language"),
        (new_patient(alpha.clinic, phone="1" * 41), "phone"),
        (new_patient(alpha.clinic, record_number=5), "record_number"),
        # A clinic the staff member does not work at, another organization's, or none: the same answer.
        (new_patient(alpha.clinics[1]), "clinic_id"),
        (new_patient(beta.clinic), "clinic_id"),
        ({**new_patient(alpha.clinic), "clinic_id": 987654321}, "clinic_id"),
    ]
    for body, field in cases:
        response = staff.post("/patients", body)
        assert response.status_code == 422, (body, response.content)
        error = error_of(response)
        assert (error["code"], list(error["fields"])) == ("invalid", [field]), (body, error)
    assert error_of(staff.post("/patients", {**new_patient(alpha.clinic), "record_number": 5}))["fields"] == {
        "record_number": ["Unknown field."]
    }
    with scopes_disabled():
        assert Patient.objects.filter(organization=alpha.org).count() == 1


# --- read and edit ------------------------------------------------------------------------------------------


def test_detail_follows_clinic_visibility(alpha, api):
    with scopes_disabled():
        riverside = make_patient(alpha.clinics[1], "Grace", "Hopper")
    staff = api(alpha.staff)
    body = staff.get(f"/patients/{alpha.patient.pk}").json()
    assert (body["id"], body["email"], body["version"]) == (alpha.patient.pk, "erin@alpha.test", 1)
    assert staff.get(f"/patients/{riverside.pk}").status_code == 404
    assert api(alpha.practitioner).get(f"/patients/{riverside.pk}").status_code == 200
    # Ids that cannot exist are simply not found; something that is not a number is invalid input.
    for bad in ("0", "-3", "99999999999999999999"):
        assert error_of(staff.get(f"/patients/{bad}"))["code"] == "not_found", bad
    assert list(error_of(staff.get("/patients/abc"))["fields"]) == ["patient_id"]


def test_edit_with_version_and_stale_edit(alpha, api):
    practitioner = api(alpha.practitioner)
    url = f"/patients/{alpha.patient.pk}"
    saved = practitioner.patch(url, {"version": 1, "phone": "+33 1 23 45 67 89", "consent_sms": True})
    assert saved.status_code == 200, saved.content
    assert (saved.json()["phone"], saved.json()["consent_sms"], saved.json()["version"]) == (
        "+33 1 23 45 67 89",
        True,
        2,
    )
    assert saved.json()["family_name"] == "Alphapatient"  # fields not sent are left alone

    stale = practitioner.patch(url, {"version": 1, "phone": "000"})
    assert stale.status_code == 409
    error = error_of(stale)
    assert (error["code"], error["current_version"]) == ("stale_version", 2)
    assert "Someone else changed" in error["message"]
    with scopes_disabled():
        assert Patient.objects.get(pk=alpha.patient.pk).phone == "+33 1 23 45 67 89"

    assert list(error_of(practitioner.patch(url, {"phone": "1"}))["fields"]) == ["version"]
    assert list(error_of(practitioner.patch(url, {"version": 2, "nickname": "x"}))["fields"]) == ["nickname"]
    assert list(error_of(practitioner.patch(url, {"version": 2, "given_name": None}))["fields"]) == [
        "given_name"
    ]
    cleared = practitioner.patch(url, {"version": 2, "date_of_birth": None, "preferred_name": "Rin"})
    assert cleared.status_code == 200 and cleared.json()["preferred_name"] == "Rin"


def test_archive_and_restore(alpha, api):
    staff = api(alpha.staff)
    archived = staff.post(f"/patients/{alpha.patient.pk}/archive")
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert staff.get("/patients").json()["count"] == 0
    assert staff.get("/patients", archived=True).json()["count"] == 1
    restored = staff.post(f"/patients/{alpha.patient.pk}/unarchive")
    assert restored.json()["archived"] is False and restored.json()["version"] == 3


def test_link_to_another_clinic(alpha, beta, api):
    staff = api(alpha.staff)
    # Staff work at the first clinic only: they may not send the patient to one they do not work at.
    refused = staff.post(f"/patients/{alpha.patient.pk}/clinics", {"clinic_id": alpha.clinics[1].pk})
    assert error_of(refused)["fields"] == {"clinic_id": ["Choose one of your clinics."]}
    foreign = staff.post(f"/patients/{alpha.patient.pk}/clinics", {"clinic_id": beta.clinic.pk})
    assert foreign.json() == refused.json()

    linked = api(alpha.practitioner).post(
        f"/patients/{alpha.patient.pk}/clinics", {"clinic_id": alpha.clinics[1].pk}
    )
    assert linked.status_code == 200
    assert linked.json()["clinic_ids"] == sorted(c.pk for c in alpha.clinics)
    with scopes_disabled():
        assert PatientClinic.objects.filter(patient=alpha.patient).count() == 2


# --- merge --------------------------------------------------------------------------------------------------


def test_merge_by_staff_of_the_clinic(alpha, beta, api):
    with scopes_disabled():
        duplicate = make_patient(alpha.clinic, "Erin", "Alphapatient", phone="555-0100")
    url = f"/patients/{alpha.patient.pk}/merge"
    assert api(alpha.practitioner).post(url, {"duplicate_id": duplicate.pk}).status_code == 403

    staff = api(alpha.staff)
    merged = staff.post(url, {"duplicate_id": duplicate.pk})
    assert merged.status_code == 200, merged.content
    assert merged.json()["phone"] == "555-0100"  # a blank filled from the duplicate
    with scopes_disabled():
        duplicate.refresh_from_db()
    assert (duplicate.merged_into_id, duplicate.archived) == (alpha.patient.pk, True)
    # The merged record is gone from the API like from the pages.
    assert staff.get(f"/patients/{duplicate.pk}").status_code == 404

    for other in (duplicate.pk, alpha.patient.pk, beta.patient.pk, 987654321):
        response = staff.post(url, {"duplicate_id": other})
        assert response.status_code == 422, other
        assert list(error_of(response)["fields"]) in (["duplicate_id"], []), other
