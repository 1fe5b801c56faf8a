"""Twenty invoices selling the last ten boxes, issued at the same instant: ten are issued and take the
stock out, ten are refused whole (no number used, no stock moved), and stock never goes below zero."""

from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from plugins.billing.models import Invoice
from plugins.billing.services.billable_items import add_billable_item, billable_item
from plugins.billing.services.drafts import create_draft
from plugins.inventory.models import Item, MovementKind, StockLevel, StockMovement
from plugins.inventory.services import receiving
from tests.parallel_http import fire, status_counts

REQUESTS = 20


@pytest.mark.django_db(transaction=True)
def test_parallel_issues_never_sell_stock_that_is_not_there(live_server, clinic_team):
    clinic = clinic_team.clinic
    with scopes_disabled(), scope(organization=clinic_team.org.pk):
        brace = Item.objects.create(
            organization=clinic_team.org, name="Knee brace", sku="BRACE", price="39.00", sellable=True
        )
        receiving.receive(clinic, brace, Decimal(10), by=clinic_team.owner)
        item = billable_item(clinic, "product", "BRACE")
        drafts = []
        for _n in range(REQUESTS):
            invoice = create_draft(clinic=clinic, patient=clinic_team.patient, by=clinic_team.owner)
            add_billable_item(invoice, item)
            drafts.append(invoice.pk)
    base = f"{live_server.url}/api/v1/clinics/{clinic.pk}/billing/invoices"
    urls = [f"{base}/{pk}/issue" for pk in drafts]

    responses = fire("POST", base, [{}] * REQUESTS, clinic_team.headers, urls=urls)

    counts = status_counts(responses)
    print(f"{REQUESTS} parallel issues of one box each, 10 in stock: {dict(counts)}")
    assert counts == {200: 10, 422: 10}
    refused = {r.json()["error"]["message"] for r in responses if r.status_code == 422}
    assert all(message.startswith("Not enough Knee brace") for message in refused), refused
    with scopes_disabled():
        assert Invoice.objects.filter(pk__in=drafts, number__isnull=False).count() == 10
        assert sum(level.quantity for level in StockLevel.objects.filter(item=brace)) == 0
        sold = StockMovement.objects.filter(item=brace, kind=MovementKind.DISPENSED)
        assert sold.count() == 10 and {m.reference for m in sold} == {
            f"invoice:{i.pk}" for i in Invoice.objects.filter(pk__in=drafts, number__isnull=False)
        }
