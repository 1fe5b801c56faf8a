"""Selling a stock item on an invoice, from the office and the API: the issue takes it out of stock
(earliest-expiring lot first), a credit note puts it back, and a hand-typed product line is billed as
something this clinic does not stock."""

import json
from decimal import Decimal

import pytest
from django_scopes import scope

from plugins.billing.models import Invoice, InvoiceStatus
from plugins.billing.services.drafts import create_draft
from plugins.billing.services.issuing import issue
from plugins.billing.services.lines import add_line
from plugins.inventory.models import MovementKind, StockLevel, StockMovement

from .conftest import stock

pytestmark = pytest.mark.django_db


def levels(clinic, item):
    return {
        (lv.lot.number if lv.lot else None): lv.quantity
        for lv in StockLevel.objects.filter(clinic=clinic, item=item).select_related("lot")
    }


def office(tenant, tail=""):
    return f"/office/c/{tenant.clinic.slug}/billing/{tail}"


def api(tenant, tail):
    return f"/api/v1/clinics/{tenant.clinic.pk}/billing/{tail}"


def test_office_sells_a_stock_item_issue_takes_earliest_lot_and_credit_returns_it(inv, login):
    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.ibu, 3, "LATE", days=200)
        stock(inv.clinic, inv.ibu, 3, "EARLY", days=20)
        invoice = create_draft(clinic=inv.clinic, patient=inv.patient, by=inv.owner)
    client = login(inv.staff)
    detail = office(inv, f"invoices/{invoice.pk}/")

    found = client.get(detail + "billable/?q=Ibu")
    assert b"Ibuprofen" in found.content and b"IBU" in found.content
    assert b"6 in stock" in found.content  # not "6.000"
    response = client.post(detail + "billable/add/", {"kind": "product", "reference": "IBU"}, follow=True)
    assert b"That item is no longer available" not in response.content
    assert b"Line added." in response.content

    assert client.post(detail + "issue/").status_code == 302
    with scope(organization=inv.org.pk):
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.ISSUED
        assert levels(inv.clinic, inv.ibu) == {"EARLY": 2, "LATE": 3}
        (taken,) = StockMovement.objects.filter(reference=f"invoice:{invoice.pk}")
        assert taken.kind == MovementKind.DISPENSED and taken.patient_id == inv.patient.pk

    response = client.post(detail + "credit-note/", {"reason": "Returned unopened", "full": "on"})
    assert response.status_code == 302
    with scope(organization=inv.org.pk):
        assert levels(inv.clinic, inv.ibu) == {"EARLY": 3, "LATE": 3}
        assert StockMovement.objects.filter(kind=MovementKind.RETURNED).count() == 1


def test_api_bills_a_product_by_sku_and_refuses_the_issue_when_stock_is_short(inv):
    from tests.conftest import client_for

    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.ibu, 2, "A", days=30)
    client = client_for(inv.owner)
    response = client.post(
        api(inv, "invoices"), json.dumps({"patient_id": inv.patient.pk}), "application/json"
    )
    invoice_id = response.json()["id"]
    response = client.post(
        api(inv, f"invoices/{invoice_id}/lines"),
        json.dumps({"billable": "product:IBU", "quantity": "3"}),
        "application/json",
    )
    assert response.status_code == 201, response.content
    assert Decimal(response.json()["net_total"]) == Decimal("14.70")
    response = client.post(api(inv, f"invoices/{invoice_id}/issue"), "{}", "application/json")
    assert response.status_code == 422
    assert "Not enough Ibuprofen" in response.json()["error"]["message"]
    with scope(organization=inv.org.pk):
        # Refused as a whole: no number taken, no stock moved.
        assert Invoice.objects.get(pk=invoice_id).number is None
        assert levels(inv.clinic, inv.ibu) == {"A": 2}

    response = client.post(
        api(inv, f"invoices/{invoice_id}/lines"),
        json.dumps({"billable": "product:NO-SUCH-SKU"}),
        "application/json",
    )
    assert response.status_code == 422
    assert "Nothing to bill under that reference." in str(response.json()["error"]["fields"]["billable"])


def test_a_hand_typed_product_line_issues_without_touching_stock(inv):
    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.ibu, 2, "A", days=30)
        invoice = create_draft(clinic=inv.clinic, patient=inv.patient, by=inv.owner)
        add_line(
            invoice, description="Knee brace (ordered in)", quantity=1, unit_price="39.00", kind="product"
        )
        issue(invoice, by=inv.owner)
        invoice.refresh_from_db()
        assert invoice.number
        assert not StockMovement.objects.filter(reference=f"invoice:{invoice.pk}").exists()
