"""Pages of the clinic's stocktakes: starting one and posting its counts."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.office.decorators import member_required
from core.tenancy.access import check_perm

from .. import selectors
from ..access import access_stocktake
from ..models import Stocktake, StocktakeStatus
from ..services.stocktakes import post_stocktake, start_stocktake
from .common import office_url, render_page


@member_required
def stocktakes(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.adjust_stock", clinic)
    if request.method == "POST":
        stocktake = start_stocktake(clinic, by=request.user)
        return redirect(office_url(request, "stocktake_detail", pk=stocktake.pk))
    qs = Stocktake.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
    return render_page(
        request, "stocktakes.html", {"page": Paginator(qs, 50).get_page(request.GET.get("page"))}
    )


@member_required
def stocktake_detail(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    clinic = request.clinic
    stocktake = access_stocktake(request, pk)
    lines = list(stocktake.lines.select_related("item", "lot").order_by("item__name", "id"))
    error = None
    if request.method == "POST" and stocktake.status == StocktakeStatus.OPEN:
        counts = {line.pk: request.POST.get(f"line_{line.pk}", "").strip() for line in lines}
        try:
            post_stocktake(stocktake, counts, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Stocktake posted."))
            return redirect(office_url(request, "stocktake_detail", pk=stocktake.pk))
    book = {(lv.item_id, lv.lot_id): lv.quantity for lv in selectors.levels_at(clinic)}
    for line in lines:
        line.book = book.get((line.item_id, line.lot_id), Decimal("0"))
    return render_page(
        request,
        "stocktake_detail.html",
        {"stocktake": stocktake, "lines": lines, "error": error},
        400 if error else 200,
    )
