"""The movement report across the clinics the member may report on, on screen or as CSV."""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from core.csv_export import csv_response
from core.office.decorators import member_required
from core.tenancy.access import check_perm, visible_clinics
from core.tenancy.clinic_time import clinic_moment
from core.tenancy.models import Clinic

from .. import forms, selectors
from ..models import Item
from .common import render_page


@member_required
def reports(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.view_reports", clinic)
    clinics = [c for c in visible_clinics(request) if request.user.has_perm("inventory.view_reports", c)]

    clinic_qs = Clinic.objects.filter(pk__in=[c.pk for c in clinics])
    filters = forms.MovementFilter(
        request.GET or None,
        items=Item.objects.filter(organization_id=clinic.organization_id),
        clinics=clinic_qs,
    )
    data = filters.cleaned_data if filters.is_valid() else {}
    moves = selectors.movements(
        clinic.organization_id,
        [c.pk for c in clinics],
        item=data.get("item") and data["item"].pk,
        clinic=data.get("clinic") and data["clinic"].pk,
        kind=data.get("kind") or "",
        start=data.get("start"),
        end=data.get("end"),
    )
    if request.GET.get("format") == "csv":
        return csv_response(_("Stock movements"), _movement_rows(moves))
    on_hand = {c.pk: selectors.on_hand_by_item(c) for c in clinics}
    summary = [
        {
            "clinic": c,
            "rows": on_hand[c.pk],
            "value": sum((r["value"] or 0 for r in on_hand[c.pk]), Decimal("0")),
        }
        for c in clinics
    ]
    page = Paginator(moves, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render_page(
        request,
        "reports.html",
        {"summary": summary, "filters": filters, "page": page, "query": query.urlencode()},
    )


def _movement_rows(moves):
    """The header, then one row per movement (at most 50,000), its time on the clinic's own clock."""
    # Column names stay fixed English keys: spreadsheets and scripts downstream look columns up by them.
    yield ["date", "clinic", "sku", "item", "lot", "type", "quantity", "reason", "reference", "by"]
    for m in moves[:50000].iterator(chunk_size=1000):
        yield [
            clinic_moment(m.created_at, m.clinic),
            m.clinic.name,
            m.item.sku,
            m.item.name,
            m.lot.number if m.lot else "",
            m.kind,
            m.quantity,
            m.reason,
            m.reference,
            m.created_by.email if m.created_by else "",
        ]
