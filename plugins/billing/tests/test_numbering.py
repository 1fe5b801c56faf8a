"""Gapless numbering under concurrency: many issues at once in one clinic's series, each in its own
transaction on its own database connection."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from plugins.billing.models import Invoice, InvoiceSeries, SeriesKind
from plugins.billing.services import issuing
from plugins.billing.services.drafts import create_draft
from plugins.billing.services.issuing import issue
from plugins.billing.services.lines import add_line
from plugins.billing.services.numbering import ensure_series

from .conftest import only_our_modules

COUNT = 200


@pytest.mark.django_db(transaction=True)
def test_two_hundred_parallel_issues_get_numbers_one_to_two_hundred(alpha, beta, monkeypatch):
    # PDFs are not what is measured here.
    monkeypatch.setattr(issuing, "enqueue_on_commit", lambda *args, **kwargs: None)
    with scopes_disabled():
        only_our_modules(alpha)
    with scope(organization=alpha.org.pk):
        ensure = ensure_series(alpha.clinic, SeriesKind.INVOICE)
        InvoiceSeries.objects.filter(pk=ensure.pk).update(yearly_reset=False, prefix="DT")
        other = ensure_series(alpha.clinics[1], SeriesKind.INVOICE)
        ids = []
        for _ in range(COUNT):
            invoice = create_draft(clinic=alpha.clinic, patient=alpha.patient)
            add_line(invoice, description="Visit", quantity="1", unit_price="10")
            ids.append(invoice.pk)
    with scope(organization=beta.org.pk):
        beta_series = ensure_series(beta.clinic, SeriesKind.INVOICE)
        issue(_draft(beta))

    def issue_in_thread(pk):
        try:
            with scope(organization=alpha.org.pk):
                return issue(Invoice.objects.get(pk=pk)).sequence
        finally:
            connection.close()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        sequences = list(pool.map(issue_in_thread, ids))
    elapsed = time.monotonic() - started
    print(f"{COUNT} parallel issues took {elapsed:.2f}s")

    assert sorted(sequences) == list(range(1, COUNT + 1))
    with scope(organization=alpha.org.pk):
        numbers = list(Invoice.objects.filter(clinic=alpha.clinic).values_list("number", flat=True))
        assert sorted(numbers) == [f"DT-{n:05d}" for n in range(1, COUNT + 1)]
        assert InvoiceSeries.objects.get(pk=ensure.pk).next_number == COUNT + 1
        assert InvoiceSeries.objects.get(pk=other.pk).next_number == 1
    with scope(organization=beta.org.pk):
        assert InvoiceSeries.objects.get(pk=beta_series.pk).next_number == 2


def _draft(tenant):
    invoice = create_draft(clinic=tenant.clinic, patient=tenant.patient)
    add_line(invoice, description="Visit", quantity="1", unit_price="10")
    return invoice
