"""Pages of the clinic's purchase orders: the list, placing one, and receiving a delivery."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.office.decorators import member_required
from core.tenancy.access import check_perm

from .. import forms
from ..access import access_purchase_order
from ..models import PurchaseOrder, Supplier
from ..services import purchase_orders
from .common import active_items, office_url, render_page, run_or_form_errors


@member_required
def orders(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.receive_stock", clinic)
    qs = PurchaseOrder.objects.filter(organization_id=clinic.organization_id, clinic=clinic).select_related(
        "supplier"
    )
    return render_page(request, "orders.html", {"page": Paginator(qs, 50).get_page(request.GET.get("page"))})


@member_required
def order_create(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.receive_stock", clinic)
    suppliers = Supplier.objects.filter(organization_id=clinic.organization_id, active=True)
    form = forms.OrderForm(request.POST or None, items=active_items(clinic), suppliers=suppliers)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        result = {}

        def create():
            result["order"] = purchase_orders.create_purchase_order(
                clinic, d["supplier"], [(d["item"], d["quantity"], d["unit_cost"])], by=request.user
            )

        if run_or_form_errors(form, create):
            messages.success(request, _("Purchase order placed."))
            return redirect(office_url(request, "order_detail", pk=result["order"].pk))
    return render_page(
        request,
        "form.html",
        {"form": form, "title": _("New purchase order"), "submit": _("Place order")},
        400 if form.errors else 200,
    )


@member_required
def order_detail(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    order = access_purchase_order(request, pk)
    lines = list(order.lines.select_related("item"))
    error = None
    if request.method == "POST":
        arrivals = {}
        for line in lines:
            raw = request.POST.get(f"line_{line.pk}", "").strip()
            if raw:
                expiry = request.POST.get(f"expiry_{line.pk}") or None
                try:
                    from datetime import date

                    expiry = date.fromisoformat(expiry) if expiry else None
                except ValueError:
                    error = _("Enter a valid date.")
                arrivals[line.pk] = purchase_orders.Arrival(
                    raw, request.POST.get(f"lot_{line.pk}", ""), expiry
                )
        if error is None:
            try:
                purchase_orders.receive_purchase_order(order, arrivals, by=request.user)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, _("Delivery received."))
                return redirect(office_url(request, "order_detail", pk=order.pk))
    return render_page(
        request, "order_detail.html", {"order": order, "lines": lines, "error": error}, 400 if error else 200
    )
