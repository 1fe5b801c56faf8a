import json
from decimal import Decimal

import pytest
from django_scopes import scope

from plugins.billing.services.drafts import create_draft
from plugins.billing.services.issuing import issue
from plugins.billing.services.payments import record_payment

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


def test_the_issue_answers_the_invoice_as_it_is_read_afterwards(bill, login):
    """The issue reads the seller's profile and the patient's credit along with the locked invoice: its
    answer is the one a read of the issued invoice gives (credit of this clinic and currency only)."""
    from plugins.billing.models import PatientCredit

    with scope(organization=bill.org.pk):
        for amount, currency in (("12.5", "EUR"), ("-2.5", "EUR"), ("99", "USD")):
            PatientCredit.objects.create(
                organization=bill.org,
                clinic=bill.clinic,
                patient=bill.patient,
                amount=amount,
                currency=currency,
            )
    client = login(bill.staff)
    invoice_id = post(client, api(bill, "invoices"), {"patient_id": bill.patient.pk}).json()["id"]
    line = {"description": "Consultation", "quantity": "1", "unit_price": "80.00"}
    assert post(client, api(bill, f"invoices/{invoice_id}/lines"), line).status_code == 201
    issued = post(client, api(bill, f"invoices/{invoice_id}/issue"), {})
    assert issued.status_code == 200 and issued.json()["patient_credit"] == "10.00"
    assert issued.json() == client.get(api(bill, f"invoices/{invoice_id}")).json()


def test_bad_input_answers_uniform_errors(bill):
    from tests.conftest import client_for

    client = client_for(bill.owner)
    response = post(client, api(bill, "invoices"), {"patient_id": bill.patient.pk, "clinic_id": 3})
    assert response.status_code == 422 and "clinic_id" in response.json()["error"]["fields"]
    with scope(organization=bill.org.pk):
        draft = create_draft(clinic=bill.clinic, patient=bill.patient)
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
        invoice = issue(draft_with_line(bill))
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


def test_money_has_the_currency_precision(bill):
    """EUR amounts carry two decimals, JPY none; unit prices keep the digits they were entered with."""
    from tests.conftest import client_for

    client = client_for(bill.owner)
    response = post(client, api(bill, "invoices"), {"patient_id": bill.patient.pk})
    invoice_id = response.json()["id"]
    response = post(
        client,
        api(bill, f"invoices/{invoice_id}/lines"),
        {"description": "Gel", "quantity": "3", "unit_price": "0.125", "tax_rate_id": bill.vat19.pk},
    )
    body = response.json()
    assert (body["net_total"], body["tax_total"], body["gross_total"], body["balance"]) == (
        "0.38",
        "0.07",
        "0.45",
        "0.45",
    )
    assert (body["lines"][0]["unit_price"], body["lines"][0]["net_amount"]) == ("0.125", "0.38")
    assert body["patient_credit"] == "0.00"
    post(client, api(bill, f"invoices/{invoice_id}/issue"), {})
    body = post(
        client, api(bill, f"invoices/{invoice_id}/payments"), {"amount": "1", "method": "cash"}
    ).json()
    assert (body["payment"]["amount"], body["payment"]["credit_amount"]) == ("1.00", "0.55")
    assert body["invoice"]["paid_total"] == "0.45"
    note = post(client, api(bill, f"invoices/{invoice_id}/credit-notes"), {"reason": "Returned"}).json()
    assert (note["gross_total"], note["refundable_amount"], note["refunded_amount"]) == (
        "-0.45",
        "0.45",
        "0.00",
    )
    ageing = client.get(api(bill, "outstanding")).json()
    assert ageing["total"] == "0.00" and [b["total"] for b in ageing["buckets"]] == ["0.00"] * 4

    yen = bill.clinics[1]
    yen.currency = "JPY"
    yen.save()
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill, price="1200", clinic=yen))
    body = client.get(f"/api/v1/clinics/{yen.pk}/billing/invoices/{invoice.pk}").json()
    assert (body["gross_total"], body["balance"], body["lines"][0]["unit_price"]) == ("1200", "1200", "1200")


def test_openapi_documents_money_as_decimal_strings(db):
    from django.test import Client

    document = Client().get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    for schema, field in [
        ("InvoiceOut", "balance"),
        ("InvoiceDetailOut", "patient_credit"),
        ("LineOut", "unit_price"),
        ("PaymentOut", "amount"),
        ("CreditNoteOut", "refundable_amount"),
        ("RefundOut", "amount"),
        ("OutstandingOut", "total"),
        ("CreditApplied", "applied"),
    ]:
        prop = schemas[schema]["properties"][field]
        assert (prop["type"], prop["format"]) == ("string", "decimal"), (schema, field)
    paths = document["paths"]
    prefix = "/api/v1/clinics/{clinic_id}/billing"
    assert (
        paths[f"{prefix}/invoices/{{invoice_id}}/apply-credit"]["post"]["x-permission"]
        == "billing.apply_credit"
    )
    refund = paths[f"{prefix}/credit-notes/{{credit_note_id}}/refunds"]["post"]
    assert refund["x-permission"] == "billing.record_refund"
    assert "201" in refund["responses"]


def test_apply_credit_and_refund_operations(bill):
    from tests.conftest import client_for

    client = client_for(bill.owner)
    with scope(organization=bill.org.pk):
        first = issue(draft_with_line(bill, price="100.00"))
        record_payment(first, amount="130", method="cash")
        later = issue(draft_with_line(bill, price="50.00"))
        unpaid = issue(draft_with_line(bill, price="10.00"))
    response = post(client, api(bill, f"invoices/{later.pk}/apply-credit"), {"amount": "40"})
    assert response.status_code == 422 and "amount" in response.json()["error"]["fields"]
    response = post(client, api(bill, f"invoices/{later.pk}/apply-credit"), {})
    body = response.json()
    assert response.status_code == 200, body
    assert (body["applied"], body["patient_credit"], body["invoice"]["balance"]) == ("30.00", "0.00", "20.00")
    response = post(client, api(bill, f"invoices/{unpaid.pk}/apply-credit"), {})
    assert response.status_code == 422 and "no credit" in response.json()["error"]["message"]

    note = post(client, api(bill, f"invoices/{first.pk}/credit-notes"), {"reason": "Cancelled"}).json()
    refunds = api(bill, f"credit-notes/{note['id']}/refunds")
    response = post(client, refunds, {"amount": "100.01", "method": "card"})
    assert response.status_code == 422 and "amount" in response.json()["error"]["fields"]
    response = post(client, refunds, {"amount": "60", "method": "card", "reference": "R-7"})
    assert response.status_code == 201 and response.json()["amount"] == "60.00"
    assert response.json()["currency"] == "EUR"
    note = client.get(api(bill, "credit-notes")).json()["items"][0]
    assert note["refunded_amount"] == "60.00"
    assert (
        post(client, api(bill, "credit-notes/abc/refunds"), {"amount": "1", "method": "card"}).status_code
        == 404
    )
    staff_elsewhere = client_for(bill.practitioner)
    assert post(staff_elsewhere, refunds, {"amount": "1", "method": "card"}).status_code == 403
