"""The movement report across the clinics the member may report on, on screen or as CSV."""

from __future__ import annotations

import csv
from decimal import Decimal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

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
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="stock-movements.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["date", "clinic", "sku", "item", "lot", "type", "quantity", "reason", "reference", "by"]
        )
        for m in moves[:50000].iterator(chunk_size=1000):
            writer.writerow(
                [
                    clinic_moment(m.created_at, m.clinic).isoformat(),
                    m.clinic.name,
                    m.item.sku,
                    _csv_safe(m.item.name),
                    m.lot.number if m.lot else "",
                    m.kind,
                    m.quantity,
                    _csv_safe(m.reason),
                    m.reference,
                    m.created_by.email if m.created_by else "",
                ]
            )
        return response
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


def _csv_safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
