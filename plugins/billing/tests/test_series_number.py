"""Taking a number is one UPDATE of the series row: it starts again at 1 in a new year for a yearly
series, carries on for the others, is recorded in the series' history, and never touches another
organization's series with the same clinic and kind."""

import pghistory.models
import pytest
from django.utils import timezone
from django_scopes import scope

from plugins.billing.models import InvoiceSeries, SeriesKind
from plugins.billing.services.issuing import issue
from plugins.billing.services.numbering import ensure_series

from .conftest import draft_with_line

pytestmark = pytest.mark.django_db


def series_of(t):
    return InvoiceSeries.objects.get(organization=t.org, clinic=t.clinic, kind=SeriesKind.INVOICE)


def test_a_yearly_series_starts_again_in_a_new_year(bill):
    year = timezone.now().year
    with scope(organization=bill.org.pk):
        series = ensure_series(bill.clinic, SeriesKind.INVOICE)
        InvoiceSeries.objects.filter(pk=series.pk).update(year=year - 1, next_number=42)
        first = issue(draft_with_line(bill))
        second = issue(draft_with_line(bill))
        assert (first.number, second.number) == (f"INV-{year}-0001", f"INV-{year}-0002")
        assert (first.sequence, second.sequence) == (1, 2) and first.series_id == series.pk
        now = series_of(bill)
        assert (now.year, now.next_number) == (year, 3)
        events = pghistory.models.Events.objects.filter(pgh_obj_model="billing.InvoiceSeries")
        assert events.filter(pgh_obj_id=str(series.pk), pgh_label="update").count() >= 2


def test_a_running_series_carries_on(bill, beta):
    with scope(organization=beta.org.pk):
        issue(draft_with_line(beta))
    with scope(organization=bill.org.pk):
        series = ensure_series(bill.clinic, SeriesKind.INVOICE)
        InvoiceSeries.objects.filter(pk=series.pk).update(yearly_reset=False, year=2001, next_number=41)
        invoice = issue(draft_with_line(bill))
        assert invoice.number == "INV-00041" and invoice.sequence == 41
        assert (series_of(bill).year, series_of(bill).next_number) == (2001, 42)
    with scope(organization=beta.org.pk):
        assert series_of(beta).next_number == 2
