"""Pages of the stock at the clinic being worked in: on hand, one item, expiring lots, and the
clinic's inventory settings."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.office.decorators import member_required
from core.tenancy.access import check_perm

from .. import forms, selectors
from ..access import access_item
from ..models import InventorySettings, ReorderRule
from ..services import adjustments, negative_stock, quantities
from .common import office_url, render_page


@member_required
def stock(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.view_stock", clinic)
    levels = list(selectors.levels_at(clinic)[:1000])
    low = list(selectors.below_reorder(clinic)[:50])
    return render_page(request, "stock.html", {"levels": levels, "low": low})


@member_required
def item_detail(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    """One item at this clinic: what is on hand (per lot), its reorder level here, its latest movements,
    and the actions a person takes on it from here."""
    clinic = request.clinic
    item = access_item(request, pk, permission="inventory.view_stock")
    levels = list(selectors.levels_at(clinic).filter(item=item))
    rule = ReorderRule.objects.filter(organization_id=item.organization_id, clinic=clinic, item=item).first()
    moves = selectors.movements(clinic.organization_id, [clinic.pk], item=item.pk)[:20]
    user = request.user
    return render_page(
        request,
        "item_detail.html",
        {
            "item": item,
            "levels": levels,
            "on_hand": sum((lv.quantity for lv in levels), Decimal("0")),
            "rule": rule,
            "moves": moves,
            "can_receive": user.has_perm("inventory.receive_stock", clinic),
            "can_dispense": user.has_perm("inventory.dispense_stock", clinic),
            "can_adjust": user.has_perm("inventory.adjust_stock", clinic),
            "can_edit": user.has_perm("inventory.manage_catalog", clinic.organization),
        },
    )


@member_required
def expiring(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.view_stock", clinic)
    if request.method == "POST":
        check_perm(request, "inventory.adjust_stock", clinic)
        written = adjustments.write_off_expired(clinic, by=request.user)
        messages.success(request, _("%(count)s expired lots written off.") % {"count": len(written)})
        return redirect(office_url(request, "expiring"))
    levels = list(selectors.expiring_levels(clinic)[:500])
    today = quantities.clinic_today(clinic)
    return render_page(
        request,
        "expiring.html",
        {
            "levels": levels,
            "today": today,
            "can_write_off": request.user.has_perm("inventory.adjust_stock", clinic),
        },
    )


@member_required
def clinic_settings(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.manage_settings", clinic)
    current = InventorySettings.objects.filter(organization_id=clinic.organization_id, clinic=clinic).first()
    form = forms.SettingsForm(
        request.POST or None, initial={"allow_negative_stock": bool(current and current.allow_negative_stock)}
    )
    if request.method == "POST" and form.is_valid():
        negative_stock.set_allow_negative(clinic, form.cleaned_data["allow_negative_stock"])
        messages.success(request, _("Settings saved."))
        return redirect(office_url(request, "stock"))
    return render_page(
        request, "form.html", {"form": form, "title": _("Inventory settings"), "submit": _("Save")}
    )
