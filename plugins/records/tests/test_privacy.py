"""Who reads what: note privacy levels, and the front desk answered 404 on every clinical page and API
operation, the same answer as a record of another organization."""

import json

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from core.accounts.tokens import create_token
from plugins.records.services import lists
from tests.test_isolation_pages import fill, page_routes

from .conftest import SOAP_CONTENT, make_note, sign


def note_url(tenant, note):
    return f"/office/c/{tenant.clinic.slug}/records/notes/{note.pk}/"


@pytest.mark.django_db
def test_an_author_only_note_is_404_for_a_colleague(alpha, login):
    note = make_note(alpha, privacy="author", content=SOAP_CONTENT)
    assert login(alpha.practitioner).get(note_url(alpha, note)).status_code == 200
    owner = login(alpha.owner)
    assert owner.get(note_url(alpha, note)).status_code == 404
    chart = owner.get(f"/office/c/{alpha.clinic.slug}/records/patients/{alpha.patient.pk}/notes/").content
    assert b"Mechanical back pain" not in chart and f"notes/{note.pk}/".encode() not in chart
    api = f"/api/v1/clinics/{alpha.clinic.pk}/records/notes/{note.pk}"
    assert owner.get(api).status_code == 404


@pytest.mark.django_db
def test_a_practitioners_only_note_is_hidden_from_the_owner(alpha, login):
    note = make_note(alpha, privacy="practitioners", content=SOAP_CONTENT)
    assert login(alpha.owner).get(note_url(alpha, note)).status_code == 404
    # An owner's own practitioners-only note stays theirs.
    own = make_note(alpha, author_role="owner", privacy="practitioners", content=SOAP_CONTENT)
    assert login(alpha.owner).get(note_url(alpha, own)).status_code == 200
    assert login(alpha.practitioner).get(note_url(alpha, own)).status_code == 200


@pytest.fixture
def clinical_objects(alpha):
    note = sign(alpha, make_note(alpha, content=SOAP_CONTENT))
    with scopes_disabled(), scope(organization=alpha.org.pk):
        allergy = lists.add_entry(
            lists.Allergy,
            alpha.clinic,
            alpha.patient,
            {"substance": "Penicillin", "severity": "severe"},
            by=alpha.practitioner,
        )
        medication = lists.add_entry(
            lists.Medication, alpha.clinic, alpha.patient, {"name": "Ibuprofen"}, by=alpha.practitioner
        )
        problem = lists.add_entry(
            lists.Problem, alpha.clinic, alpha.patient, {"description": "Back pain"}, by=alpha.practitioner
        )
        from django.core.files.uploadedfile import SimpleUploadedFile

        from plugins.records.services.files import attach_file

        chart_file = attach_file(
            alpha.clinic,
            alpha.patient,
            SimpleUploadedFile("scan.pdf", b"%PDF-1.4 Penicillin"),
            by=alpha.practitioner,
        )
    return {
        "note": note,
        "allergy": allergy,
        "medication": medication,
        "problem": problem,
        "file": chart_file,
    }


def records_page_urls(tenant, objects):
    mapping = {
        "patient": tenant.patient.pk,
        "clinic": tenant.clinic.slug,
        "records_note": objects["note"].pk,
        "records_encounter": objects["note"].encounter_id,
        "records_allergy": objects["allergy"].pk,
        "records_medication": objects["medication"].pk,
        "records_problem": objects["problem"].pk,
        "records_file": objects["file"].pk,
        "appointment": 1,
        "records_template": 1,
        "records_template_version": 1,
    }
    for name, path in page_routes():
        if name.startswith("office:records:"):
            yield name, fill(name, path, mapping)


@pytest.mark.django_db
def test_front_desk_gets_404_on_every_clinical_page(alpha, login, clinical_objects):
    client = login(alpha.staff)
    checked = 0
    for name, url in records_page_urls(alpha, clinical_objects):
        if name in (
            "office:records:settings",
            "office:records:templates",
            "office:records:template_create",
            "office:records:template_edit",
            "office:records:template_version_delete",
        ):
            continue  # the owner's set-up pages: 403 like every owner-only page (test_isolation_pages)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code == 405:
                continue
            assert response.status_code == 404, f"{name} {method} {url} answered {response.status_code}"
            assert b"Penicillin" not in response.content
            checked += 1
    assert checked >= 20


@pytest.mark.django_db
def test_front_desk_sees_the_allergy_flag_but_no_clinical_content(alpha, login, clinical_objects):
    page = login(alpha.staff).get(reverse("office:patient_detail", args=[alpha.patient.pk])).content.decode()
    assert "Allergies recorded" in page and 'data-alert="1"' in page
    for clinical in ("Penicillin", "Ibuprofen", "Back pain", "Timeline"):
        assert clinical not in page
    clinician = (
        login(alpha.practitioner).get(reverse("office:patient_detail", args=[alpha.patient.pk])).content
    )
    assert b"Penicillin (Severe)" in clinician and b"Ibuprofen" in clinician and b"Timeline" in clinician


@pytest.mark.django_db
def test_front_desk_gets_404_on_every_clinical_api_operation(alpha, clinical_objects):
    from django.test import Client

    with scopes_disabled():
        _record, secret = create_token(alpha.staff, alpha.org, "desk")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    base = f"/api/v1/clinics/{alpha.clinic.pk}/records"
    p, o = alpha.patient.pk, clinical_objects
    note, encounter = o["note"].pk, o["note"].encounter_id
    sign_body = {"secret": "x"}
    allergy = {"substance": "Latex", "severity": "mild"}
    for method, path, body in [
        ("get", f"/patients/{p}/encounters", None),
        ("post", f"/patients/{p}/encounters", {"kind": "phone"}),
        ("post", "/visits/1/start", None),
        ("get", f"/encounters/{encounter}", None),
        ("post", f"/encounters/{encounter}/notes", {"template_version_id": o["note"].template_version_id}),
        ("get", f"/patients/{p}/notes", None),
        ("get", f"/notes/{note}", None),
        ("patch", f"/notes/{note}", {"content": {}}),
        ("delete", f"/notes/{note}", None),
        ("post", f"/notes/{note}/sign", sign_body),
        ("get", f"/notes/{note}/addenda", None),
        ("post", f"/notes/{note}/addenda", {**sign_body, "reason": "r", "text": "t"}),
        ("get", f"/patients/{p}/vitals", None),
        ("post", f"/patients/{p}/vitals", {"values": {"pulse": 70}}),
        ("get", f"/patients/{p}/allergies", None),
        ("post", f"/patients/{p}/allergies", allergy),
        ("get", f"/allergies/{o['allergy'].pk}", None),
        ("put", f"/allergies/{o['allergy'].pk}", allergy),
        ("get", f"/patients/{p}/medications", None),
        ("post", f"/patients/{p}/medications", {"name": "X"}),
        ("get", f"/medications/{o['medication'].pk}", None),
        ("put", f"/medications/{o['medication'].pk}", {"name": "X"}),
        ("get", f"/patients/{p}/problems", None),
        ("post", f"/patients/{p}/problems", {"description": "X"}),
        ("get", f"/problems/{o['problem'].pk}", None),
        ("put", f"/problems/{o['problem'].pk}", {"description": "X"}),
        ("get", f"/patients/{p}/files", None),
    ]:
        if body is None:
            response = getattr(client, method)(base + path)
        else:
            response = getattr(client, method)(
                base + path, data=json.dumps(body), content_type="application/json"
            )
        assert response.status_code == 404, (
            f"{method} {path}: {response.status_code} {response.content[:200]}"
        )
        assert b"Penicillin" not in response.content
