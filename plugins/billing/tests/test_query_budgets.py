"""Query budgets of the benchmark's billing scenarios (docs/performance.md): issuing a draft through the
API, the outstanding list, and the worker's PDF rendering. Pinned at what each costs now, so a regression
shows in the suite without running the benchmark."""

import json

import pytest
from django_scopes import scope

from plugins.billing.pdf import render_invoice
from plugins.billing.services.issuing import issue

from .conftest import draft_with_line

# Each includes the one INSERT of the access events of the invoices it shows (core/audit), and reads the
# session from the cache (one query fewer than from the database). An issue also counts the SAVEPOINT and
# RELEASE of its transaction inside the test's own: two statements production does not send.
INVOICE_ISSUE = 10
INVOICE_ISSUE_FIRST = 17
# With every module on and its tasks queued for a worker, as the benchmark runs it: the same, plus the two
# queued tasks (the PDF and the "issued" event); the other modules' issue checks read nothing for an
# invoice without visits or stocked products on it.
INVOICE_ISSUE_ALL_MODULES = 12
OUTSTANDING_LIST = 8
# The PDF prints what was paid and credited: payments, credit notes and credit used are read too.
PDF_RENDER = 5

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def two_drafts(client, bill) -> tuple[str, list]:
    """The invoices API's address, and two drafts of one line each made through it."""
    base = f"/api/v1/clinics/{bill.clinic.pk}/billing/invoices"
    line = {"description": "Consultation", "quantity": "1", "unit_price": "80.00"}
    drafts = []
    for _ in range(2):
        drafts.append(post(client, base, {"patient_id": bill.patient.pk}).json()["id"])
        assert post(client, f"{base}/{drafts[-1]}/lines", line).status_code == 201
    return base, drafts


def test_issue_through_the_api(bill, login, django_assert_max_num_queries):
    client = login(bill.staff)
    base, drafts = two_drafts(client, bill)
    # The clinic's first invoice also creates its number series and billing profile.
    with django_assert_max_num_queries(INVOICE_ISSUE_FIRST):
        assert post(client, f"{base}/{drafts[0]}/issue", {}).status_code == 200
    with django_assert_max_num_queries(INVOICE_ISSUE):
        response = post(client, f"{base}/{drafts[1]}/issue", {})
    assert response.status_code == 200 and response.json()["number"].endswith("0002")
    assert response.json()["pdf_state"] == "pending" and len(response.json()["lines"]) == 1


def test_issue_with_every_module_on(bill, login, django_assert_max_num_queries, monkeypatch):
    from django_q.conf import Conf

    from core.tenancy.models import ClinicModule

    with scope(organization=bill.org.pk):
        ClinicModule.objects.filter(organization=bill.org).delete()
    monkeypatch.setattr(Conf, "SYNC", False)  # queued in the issue's transaction, as in production
    client = login(bill.staff)
    base, drafts = two_drafts(client, bill)
    assert post(client, f"{base}/{drafts[0]}/issue", {}).status_code == 200
    with django_assert_max_num_queries(INVOICE_ISSUE_ALL_MODULES):
        assert post(client, f"{base}/{drafts[1]}/issue", {}).status_code == 200


def test_outstanding_list(bill, login, django_assert_max_num_queries):
    with scope(organization=bill.org.pk):
        for _ in range(12):
            issue(draft_with_line(bill))
    client = login(bill.staff)
    url = f"/office/c/{bill.clinic.slug}/billing/outstanding/"
    client.get(url)
    with django_assert_max_num_queries(OUTSTANDING_LIST):
        response = client.get(url)
    assert response.status_code == 200


def test_pdf_render_in_the_worker(bill, django_assert_max_num_queries, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill))
        render_invoice(invoice, force=True)
        with django_assert_max_num_queries(PDF_RENDER):
            pdf = render_invoice(invoice, force=True)
    assert pdf.state == "ready" and pdf.file
