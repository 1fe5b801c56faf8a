"""Pages of transfers leaving or reaching the clinic: the list, sending, and receiving."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.office.decorators import member_required
from core.tenancy.access import check_perm, visible_clinics

from .. import forms
from ..access import access_transfer
from ..models import Transfer, TransferStatus
from ..services.transfers import TransferItem, receive_transfer, send_transfer, transfer_now
from .common import active_items, office_url, render_page, run_or_form_errors


@member_required
def transfers(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.view_stock", clinic)

    qs = (
        Transfer.objects.filter(organization_id=clinic.organization_id)
        .filter(Q(source=clinic) | Q(destination=clinic))
        .select_related("source", "destination")
        .order_by("-sent_at", "-id")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render_page(request, "transfers.html", {"page": page})


@member_required
def transfer_create(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.transfer_stock", clinic)
    # Both ends must be clinics the member may move stock at (every clinic for an owner).
    others = visible_clinics(request).exclude(pk=clinic.pk)
    form = forms.TransferForm(request.POST or None, items=active_items(clinic), clinics=others)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        line = [TransferItem(d["item"], d["quantity"])]
        check_perm(request, "inventory.transfer_stock", d["destination"])
        service = transfer_now if d["one_step"] else send_transfer

        def action():
            return service(clinic, d["destination"], line, by=request.user, note=d["note"])

        if run_or_form_errors(form, action):
            messages.success(request, _("Transfer recorded."))
            return redirect(office_url(request, "transfers"))
    return render_page(
        request,
        "form.html",
        {"form": form, "title": _("Send stock"), "submit": _("Send")},
        400 if form.errors else 200,
    )


@member_required
def transfer_detail(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    clinic = request.clinic
    transfer = access_transfer(request, pk)
    lines = list(transfer.lines.select_related("item", "lot"))
    can_receive = (
        transfer.status == TransferStatus.SENT
        and transfer.destination_id == clinic.pk
        and request.user.has_perm("inventory.transfer_stock", clinic)
    )
    error = None
    if request.method == "POST":
        if not can_receive:
            raise PermissionDenied
        received, notes = {}, {}
        for line in lines:
            raw = request.POST.get(f"line_{line.pk}", "").strip()
            if raw:
                received[line.pk] = raw
            notes[line.pk] = request.POST.get(f"note_{line.pk}", "")
        try:
            receive_transfer(transfer, by=request.user, received=received, notes=notes)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Transfer received."))
            return redirect(office_url(request, "transfer_detail", pk=transfer.pk))
    return render_page(
        request,
        "transfer_detail.html",
        {"transfer": transfer, "lines": lines, "can_receive": can_receive, "error": error},
        400 if error else 200,
    )
