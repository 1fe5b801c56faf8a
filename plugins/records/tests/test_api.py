"""The records API: the same rules as the pages; drafts writable, signed notes answered 409."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from core.accounts.tokens import create_token
from plugins.records.models import Note
from tests.factories import PASSWORD

from .conftest import SOAP_CONTENT, make_note, sign


@pytest.fixture
def api(alpha):
    with scopes_disabled():
        _record, secret = create_token(alpha.practitioner, alpha.org, "records")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    base = f"/api/v1/clinics/{alpha.clinic.pk}/records"

    def call(method, path, body=None):
        if body is None:
            return getattr(client, method)(base + path)
        return getattr(client, method)(base + path, data=json.dumps(body), content_type="application/json")

    return call


@pytest.mark.django_db
def test_encounter_note_sign_and_addendum_through_the_api(alpha, api):
    encounter = api(
        "post", f"/patients/{alpha.patient.pk}/encounters", {"kind": "phone", "reason": "Results"}
    )
    assert encounter.status_code == 201, encounter.content
    with scopes_disabled():
        from plugins.records.services.note_templates import current_versions

        progress = next(v for v in current_versions(alpha.org) if v.template.shipped_key == "progress")
    note = api("post", f"/encounters/{encounter.json()['id']}/notes", {"template_version_id": progress.pk})
    assert note.status_code == 201
    note_id = note.json()["id"]
    bad = api("patch", f"/notes/{note_id}", {"content": {"trend": "Sideways"}})
    assert bad.status_code == 422 and "trend" in bad.json()["error"]["fields"]
    draft = api("patch", f"/notes/{note_id}", {"content": {"since_last": "Better sleep", "trend": "Better"}})
    assert draft.status_code == 200 and draft.json()["revision"] == 2
    assert (
        api("post", f"/notes/{note_id}/addenda", {"secret": PASSWORD, "reason": "r", "text": "t"}).status_code
        == 409
    )
    assert api("post", f"/notes/{note_id}/sign", {"secret": "wrong"}).status_code == 422
    signed = api("post", f"/notes/{note_id}/sign", {"secret": PASSWORD})
    assert signed.status_code == 200 and signed.json()["status"] == "locked"
    assert len(signed.json()["content_sha256"]) == 64

    changed = api("patch", f"/notes/{note_id}", {"content": {"since_last": "rewritten"}})
    assert changed.status_code == 409
    assert "addendum" in changed.json()["error"]["message"]
    assert api("delete", f"/notes/{note_id}").status_code == 409
    assert api("post", f"/notes/{note_id}/sign", {"secret": PASSWORD}).status_code == 409
    added = api(
        "post",
        f"/notes/{note_id}/addenda",
        {"secret": PASSWORD, "reason": "Call back", "text": "Also: sleeps 7h"},
    )
    assert added.status_code == 201
    assert [a["reason"] for a in api("get", f"/notes/{note_id}/addenda").json()] == ["Call back"]
    with scopes_disabled():
        assert Note.objects.get(pk=note_id).content == {"since_last": "Better sleep", "trend": "Better"}


@pytest.mark.django_db
def test_a_draft_can_be_deleted_a_signed_note_cannot(alpha, api):
    draft = make_note(alpha)
    assert api("delete", f"/notes/{draft.pk}").status_code == 204
    signed = sign(alpha, make_note(alpha, content=SOAP_CONTENT))
    assert api("delete", f"/notes/{signed.pk}").status_code == 409


@pytest.mark.django_db
def test_lists_and_vitals_through_the_api(alpha, api):
    p = alpha.patient.pk
    assert api("post", f"/patients/{p}/vitals", {"values": {"weight": -3}}).status_code == 422
    bp = api("post", f"/patients/{p}/vitals", {"values": {"systolic": 400, "diastolic": 20}})
    assert bp.status_code == 422 and "systolic" in bp.json()["error"]["fields"]
    ok = api("post", f"/patients/{p}/vitals", {"values": {"height": 180, "weight": 81, "pulse": 64}})
    assert ok.status_code == 201
    kinds = {v["kind"]: v for v in ok.json()}
    assert Decimal(kinds["bmi"]["value"]) == Decimal("25.0") and kinds["weight"]["loinc_code"] == "29463-7"
    assert kinds["weight"]["unit"] == "kg"

    allergy = api("post", f"/patients/{p}/allergies", {"substance": "Penicillin", "severity": "severe"})
    assert allergy.status_code == 201
    aid = allergy.json()["id"]
    changed = api(
        "put", f"/allergies/{aid}", {"substance": "Penicillin", "severity": "moderate", "version": 1}
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = api("put", f"/allergies/{aid}", {"substance": "Penicillin", "severity": "mild", "version": 1})
    assert stale.status_code == 422
    problem = api("post", f"/patients/{p}/problems", {"description": "Hypertension", "icd10_code": "i10"})
    assert problem.status_code == 201 and problem.json()["icd10_code"] == "I10"
    assert (
        api("post", f"/patients/{p}/problems", {"description": "X", "icd10_code": "ZZZ"}).status_code == 422
    )
    medication = api(
        "post",
        f"/patients/{p}/medications",
        {"name": "Ramipril", "start_date": "2026-01-10", "stop_date": "2026-01-01"},
    )
    assert medication.status_code == 422
