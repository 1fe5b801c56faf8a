"""The clinic option "require a signed note before invoicing a visit", through billing's issue veto."""

import json

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from core.accounts.tokens import create_token
from plugins.records.models import RecordsSettings
from plugins.records.services import encounters, note_templates, notes
from tests.test_isolation_pages import make_appointment

from .conftest import SOAP_CONTENT


@pytest.mark.django_db
def test_a_visit_without_a_signed_note_is_not_invoiced(alpha):
    with scopes_disabled(), scope(organization=alpha.org.pk):
        RecordsSettings.objects.create(
            organization=alpha.org, clinic=alpha.clinic, require_signed_note_for_invoice=True
        )
        appointment = make_appointment(alpha)
        _record, secret = create_token(alpha.owner, alpha.org, "desk")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    base = f"/api/v1/clinics/{alpha.clinic.pk}/billing/invoices"
    created = client.post(
        base,
        data=json.dumps({"patient_id": alpha.patient.pk, "appointment_id": appointment.pk}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    invoice_id = created.json()["id"]
    refused = client.post(f"{base}/{invoice_id}/issue")
    assert refused.status_code == 422
    assert "only once its note is signed" in refused.json()["error"]["message"]

    with scopes_disabled(), scope(organization=alpha.org.pk):
        encounter, _created = encounters.start_visit(alpha.clinic, appointment.pk, by=alpha.practitioner)
        soap = next(v for v in note_templates.current_versions(alpha.org) if v.template.shipped_key == "soap")
        notes.save_draft(
            notes.create_note(encounter, soap, author=alpha.memberships["practitioner"]),
            SOAP_CONTENT,
            revision=None,
        )
    # A draft is not enough.
    assert client.post(f"{base}/{invoice_id}/issue").status_code == 422
    with scopes_disabled(), scope(organization=alpha.org.pk):
        signed = notes.create_note(encounter, soap, author=alpha.memberships["practitioner"])
        notes.save_draft(signed, SOAP_CONTENT, revision=None)
        notes.sign_note(signed, by=alpha.practitioner)
    assert client.post(f"{base}/{invoice_id}/issue").status_code == 200
