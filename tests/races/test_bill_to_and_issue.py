"""Naming the company billed and issuing the invoice at the same instant: both lock the draft's row, so
the issued invoice is billed to exactly the company stored on it when it was issued, and every change
that came after is refused rather than lost or half-applied."""

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from plugins.billing.models import Invoice
from plugins.billing.services.drafts import create_draft
from plugins.billing.services.lines import add_line
from tests.factories import PASSWORD
from tests.parallel_http import fire, status_counts

REQUESTS = 12


@pytest.mark.django_db(transaction=True)
def test_parallel_bill_to_changes_and_issues_leave_one_consistent_invoice(live_server, clinic_team):
    with scopes_disabled(), scope(organization=clinic_team.org.pk):
        draft = create_draft(clinic=clinic_team.clinic, patient=clinic_team.patient, by=clinic_team.owner)
        add_line(draft, description="Consultation", quantity=1, unit_price="80.00")
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"username": clinic_team.owner.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    # The CSRF secret a browser would hold from an earlier page, sent back with each form.
    session = {"sessionid": client.cookies["sessionid"].value, "csrftoken": "a" * 32}
    base = f"{live_server.url}/office/c/{clinic_team.clinic.slug}/billing/invoices/{draft.pk}"
    bodies, urls = [], []
    for index in range(REQUESTS):
        if index % 3 == 0:
            bodies.append({})
            urls.append(f"{base}/issue/")
        else:
            bodies.append(
                {"bill_to-name": f"Company {index}", "bill_to-address": "Street 1", "bill_to-country": "DE"}
            )
            urls.append(f"{base}/bill-to/")

    responses = fire("POST", base, bodies, form=True, cookies=[session] * REQUESTS, urls=urls)

    counts = status_counts(responses)
    print(f"{REQUESTS} parallel bill-to changes and issues of one draft: {dict(counts)}")
    # A refused bill-to change is the page again with its reason (400); nothing fails.
    assert set(counts) <= {302, 400} and 500 not in counts
    with scopes_disabled():
        invoice = Invoice.objects.get(pk=draft.pk)
    assert invoice.number and not invoice.is_draft
    # What the invoice was issued to is what was stored at that moment, and nothing changed it after.
    assert invoice.buyer.get("company") == (invoice.bill_to or None)
    refused = [
        r
        for r, url in zip(responses, urls, strict=True)
        if url.endswith("/bill-to/") and r.status_code == 400
    ]
    assert all("can no longer be changed" in r.text for r in refused)
