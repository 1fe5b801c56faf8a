"""Forms that move stock in or out at the clinic: receive, dispense or use, adjust, write off."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.office.decorators import member_required
from core.patients.selectors import visible_patients
from core.tenancy.access import check_perm

from .. import forms
from ..services import adjustments, dispensing, receiving
from .common import active_items, chosen_item, lots_of, office_url, render_page, run_or_form_errors


@member_required
def receive(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.receive_stock", clinic)
    form = forms.ReceiveForm(request.POST or None, items=active_items(clinic), initial=chosen_item(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok = run_or_form_errors(
            form,
            lambda: receiving.receive(
                clinic,
                d["item"],
                d["quantity"],
                by=request.user,
                lot_number=d["lot_number"],
                expiry_date=d["expiry_date"],
                unit_cost=d["unit_cost"],
                reason=d["reason"],
            ),
        )
        if ok:
            messages.success(request, _("Stock received."))
            return redirect(office_url(request, "stock"))
    return render_page(
        request,
        "form.html",
        {"form": form, "title": _("Receive stock"), "submit": _("Receive")},
        400 if form.errors else 200,
    )


@member_required
def dispense(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.dispense_stock", clinic)
    patients = visible_patients(request.member).filter(archived=False).order_by("family_name", "given_name")
    form = forms.DispenseForm(
        request.POST or None,
        items=active_items(clinic),
        patients=patients,
        lots=lots_of(clinic),
        initial={"patient": request.GET.get("patient"), **chosen_item(request)},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok = run_or_form_errors(
            form,
            lambda: dispensing.dispense(
                clinic,
                [dispensing.DispenseLine(d["item"], d["quantity"], d["lot"])],
                by=request.user,
                patient=d["patient"],
                kind=d["kind"],
                reason=d["reason"],
                override_reason=d["override_reason"],
            ),
        )
        if ok:
            messages.success(request, _("Stock taken out."))
            return redirect(office_url(request, "stock"))
    return render_page(
        request,
        "form.html",
        {"form": form, "title": _("Dispense or use stock"), "submit": _("Take out")},
        400 if form.errors else 200,
    )


@member_required
def adjust(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.adjust_stock", clinic)
    form = forms.AdjustForm(
        request.POST or None, items=active_items(clinic), lots=lots_of(clinic), initial=chosen_item(request)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if run_or_form_errors(
            form,
            lambda: adjustments.adjust(
                clinic, d["item"], d["quantity"], d["reason"], by=request.user, lot=d["lot"]
            ),
        ):
            messages.success(request, _("Stock adjusted."))
            return redirect(office_url(request, "stock"))
    return render_page(
        request,
        "form.html",
        {"form": form, "title": _("Adjust stock"), "submit": _("Adjust")},
        400 if form.errors else 200,
    )


@member_required
def write_off(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.adjust_stock", clinic)
    form = forms.WriteOffForm(
        request.POST or None, items=active_items(clinic), lots=lots_of(clinic), initial=chosen_item(request)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if run_or_form_errors(
            form,
            lambda: adjustments.write_off(
                clinic, d["item"], d["quantity"], d["reason"], by=request.user, lot=d["lot"]
            ),
        ):
            messages.success(request, _("Stock written off."))
            return redirect(office_url(request, "item_detail", pk=d["item"].pk))
    return render_page(
        request,
        "form.html",
        {"form": form, "title": _("Write off stock"), "submit": _("Write off")},
        400 if form.errors else 200,
    )
