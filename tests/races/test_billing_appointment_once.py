"""An appointment is billed once, however many people draft its invoice at the same instant."""

import pytest
from django_scopes import scope, scopes_disabled

from plugins.billing.models import Invoice, InvoiceLine, LineKind
from tests.parallel_http import fire, status_counts
from tests.test_isolation_pages import make_appointment

REQUESTS = 20


@pytest.mark.django_db(transaction=True)
def test_parallel_drafts_of_one_appointment_make_one_invoice(live_server, clinic_team):
    with scopes_disabled(), scope(organization=clinic_team.org.pk):
        appointment = make_appointment(clinic_team)
    url = f"{live_server.url}/api/v1/clinics/{clinic_team.clinic.pk}/billing/invoices"
    body = {"patient_id": clinic_team.patient.pk, "appointment_id": appointment.pk}

    responses = fire("POST", url, [body] * REQUESTS, clinic_team.headers)

    counts = status_counts(responses)
    print(f"{REQUESTS} parallel drafts of one appointment: {dict(counts)}")
    assert counts == {201: 1, 422: REQUESTS - 1}
    refused = [r.json()["error"] for r in responses if r.status_code == 422]
    assert {e["message"] for e in refused} == {"This appointment is already on an invoice."}
    with scopes_disabled():
        lines = InvoiceLine.objects.filter(kind=LineKind.APPOINTMENT, reference=str(appointment.pk))
        assert lines.count() == 1
        # A refused request leaves no empty draft behind.
        assert Invoice.objects.filter(organization=clinic_team.org).count() == 1
