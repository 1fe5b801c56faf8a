import json
from decimal import Decimal

import pytest
from django_scopes import scope

from plugins.billing import services

from .conftest import draft_with_line

pytestmark = pytest.mark.django_db


def api(tenant, tail):
    return f"/api/v1/clinics/{tenant.clinic.pk}/billing/{tail}"


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_draft_line_issue_pay_credit_outstanding(bill, login):
    from tests.conftest import client_for

    client = client_for(bill.owner)
    client.enforce_csrf_checks = False
    response = post(client, api(bill, "invoices"), {"patient_id": bill.patient.pk})
    assert response.status_code == 201, response.content
    invoice_id = response.json()["id"]
    response = post(
        client,
        api(bill, f"invoices/{invoice_id}/lines"),
        {"description": "Gel", "quantity": "2", "unit_price": "10.00", "tax_rate_id": bill.vat19.pk},
    )
    assert response.status_code == 201 and Decimal(response.json()["gross_total"]) == Decimal("23.80")
    response = post(client, api(bill, f"invoices/{invoice_id}/issue"), {})
    assert response.status_code == 200 and response.json()["number"]
    assert post(client, api(bill, f"invoices/{invoice_id}/issue"), {}).status_code == 409
    response = post(
        client, api(bill, f"invoices/{invoice_id}/lines"), {"description": "x", "unit_price": "1"}
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "issued"
    response = post(client, api(bill, f"invoices/{invoice_id}/payments"), {"amount": "10", "method": "card"})
    assert response.status_code == 201 and Decimal(response.json()["invoice"]["balance"]) == Decimal("13.80")
    response = client.get(api(bill, "outstanding"))
    assert response.status_code == 200 and response.json()["count"] == 1
    response = post(client, api(bill, f"invoices/{invoice_id}/credit-notes"), {"reason": "Wrong"})
    assert response.status_code == 201 and Decimal(response.json()["gross_total"]) == Decimal("-23.80")
    assert client.get(api(bill, "credit-notes")).json()["count"] == 1
    assert client.get(api(bill, "payments")).json()["count"] == 1
    assert client.get(api(bill, "invoices")).json()["count"] == 1
    pdf = client.get(api(bill, f"invoices/{invoice_id}/pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_bad_input_answers_uniform_errors(bill):
    from tests.conftest import client_for

    client = client_for(bill.owner)
    response = post(client, api(bill, "invoices"), {"patient_id": bill.patient.pk, "clinic_id": 3})
    assert response.status_code == 422 and "clinic_id" in response.json()["error"]["fields"]
    with scope(organization=bill.org.pk):
        draft = services.create_draft(clinic=bill.clinic, patient=bill.patient)
    response = post(
        client,
        api(bill, f"invoices/{draft.pk}/lines"),
        {"description": "x", "quantity": "-1", "unit_price": "3"},
    )
    assert response.status_code == 422 and "quantity" in response.json()["error"]["fields"]
    response = post(client, api(bill, f"invoices/{draft.pk}/issue"), {})
    assert response.status_code == 422 and "line" in response.json()["error"]["message"]
    response = post(client, api(bill, f"invoices/{draft.pk}/payments"), {"amount": "3", "method": "cash"})
    assert response.status_code == 422
    assert client.get(api(bill, "invoices/abc")).status_code == 404


def test_isolation_and_roles(bill, beta):
    from tests.conftest import client_for

    with scope(organization=bill.org.pk):
        invoice = services.issue(draft_with_line(bill))
    outsider = client_for(beta.owner)
    assert outsider.get(api(bill, f"invoices/{invoice.pk}")).status_code == 404
    assert outsider.get(f"/api/v1/clinics/{beta.clinic.pk}/billing/invoices/{invoice.pk}").status_code == 404
    practitioner = client_for(bill.practitioner)
    assert practitioner.get(api(bill, f"invoices/{invoice.pk}")).status_code == 403
    assert (
        post(
            practitioner, api(bill, f"invoices/{invoice.pk}/payments"), {"amount": "1", "method": "cash"}
        ).status_code
        == 403
    )
    from django.test import Client

    assert Client().get(api(bill, "invoices")).status_code == 401
