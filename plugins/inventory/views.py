"""Back-office pages of the inventory module, mounted under ``/office/c/<clinic_slug>/inventory/`` and
gated by the core, which sets ``request.clinic``."""

from __future__ import annotations

import csv
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.office.decorators import member_required
from core.office.views.organization import _apply_errors
from core.patients.selectors import visible_patients
from core.tenancy.access import check_perm, get_for_member, parse_id, visible_clinics
from core.tenancy.clinic_time import clinic_moment

from . import forms, selectors, services
from .models import (
    InventorySettings,
    Item,
    Lot,
    PurchaseOrder,
    ReorderRule,
    Stocktake,
    StocktakeStatus,
    Supplier,
    Transfer,
    TransferStatus,
)


def _url(request, name, **kwargs) -> str:
    return reverse(f"office:inventory:{name}", kwargs={"clinic_slug": request.clinic.slug, **kwargs})


def _items(clinic):
    return Item.objects.filter(organization_id=clinic.organization_id, active=True).order_by("name")


def _lots(clinic):
    return (
        Lot.objects.filter(organization_id=clinic.organization_id)
        .select_related("item")
        .order_by("expiry_date")
    )


def _page(request, template, context, status=200):
    return render(request, f"inventory/{template}", {"clinic": request.clinic, **context}, status=status)


def _chosen_item(request) -> dict:
    """Preselect the item a stock form was opened for (from the item's page: ``?item=<id>``)."""
    return {"item": request.GET.get("item", "")[:20]}


def _run(form, action):
    """Call ``action``; a refused change becomes form errors. Returns True when it went through."""
    try:
        action()
    except ValidationError as exc:
        _apply_errors(form, exc)
        return False
    return True


@member_required
def stock(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.view_stock", clinic)
    levels = list(selectors.levels_at(clinic)[:1000])
    low = list(selectors.below_reorder(clinic)[:50])
    return _page(request, "stock.html", {"levels": levels, "low": low})


@member_required
def catalog(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.view_catalog", clinic)
    qs = selectors.items(clinic.organization_id)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(sku__iexact=q)
    page = Paginator(qs.order_by("name", "id"), 50).get_page(request.GET.get("page"))
    return _page(
        request,
        "catalog.html",
        {
            "page": page,
            "q": q,
            "can_edit": request.user.has_perm("inventory.manage_catalog", clinic.organization),
        },
    )


@member_required
def item_edit(request, clinic_slug, pk=None):
    clinic = request.clinic
    org = clinic.organization
    if pk is None:
        check_perm(request, "inventory.manage_catalog", org)
        item = Item(organization_id=org.pk)
    else:
        item = get_for_member(request, Item.objects.all(), pk, "inventory.view_catalog")
        check_perm(request, "inventory.manage_catalog", org)
    suppliers = Supplier.objects.filter(organization_id=org.pk, active=True)
    form = forms.ItemForm(request.POST or None, instance=item, suppliers=suppliers, prefix="item")
    rule = (
        ReorderRule.objects.filter(organization_id=org.pk, clinic=clinic, item_id=item.pk).first()
        if item.pk
        else None
    )
    reorder = forms.ReorderForm(
        request.POST or None,
        prefix="reorder",
        initial={
            "reorder_level": rule.reorder_level if rule else 0,
            "reorder_quantity": rule.reorder_quantity if rule else 0,
        },
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and reorder.is_valid():

            def save():
                from django.db import transaction

                form.instance.supplier = form.cleaned_data.get("supplier")
                with transaction.atomic():
                    saved = services.save_item(form.instance)
                    if reorder.cleaned_data["reorder_level"] or rule:
                        services.set_reorder_rule(
                            clinic,
                            saved,
                            reorder.cleaned_data["reorder_level"],
                            reorder.cleaned_data["reorder_quantity"],
                        )

            if _run(form, save):
                messages.success(request, _("Item saved."))
                return redirect(_url(request, "catalog"))
    return _page(request, "item_form.html", {"form": form, "reorder": reorder, "item": item}, status)


@member_required
def catalog_import(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.manage_catalog", clinic.organization)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            form.add_error("file", _("The file is larger than 2 MB."))
        else:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                form.add_error("file", _("Save the file as UTF-8 CSV."))
            else:
                confirm = form.cleaned_data["confirm"]
                result = services.import_catalog(clinic.organization, text, dry_run=not confirm)
                if confirm and not result.errors:
                    messages.success(
                        request,
                        _("Catalog imported: %(created)s new, %(updated)s updated.")
                        % {"created": result.created, "updated": result.updated},
                    )
                    return redirect(_url(request, "catalog"))
    status = 400 if result and result.errors else 200
    return _page(request, "import.html", {"form": form, "result": result}, status)


@member_required
def receive(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.receive_stock", clinic)
    form = forms.ReceiveForm(request.POST or None, items=_items(clinic), initial=_chosen_item(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok = _run(
            form,
            lambda: services.receive(
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
            return redirect(_url(request, "stock"))
    return _page(
        request,
        "form.html",
        {"form": form, "title": _("Receive stock"), "submit": _("Receive")},
        400 if form.errors else 200,
    )


@member_required
def dispense(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.dispense_stock", clinic)
    patients = visible_patients(request.member).filter(archived=False).order_by("family_name", "given_name")
    form = forms.DispenseForm(
        request.POST or None,
        items=_items(clinic),
        patients=patients,
        lots=_lots(clinic),
        initial={"patient": request.GET.get("patient"), **_chosen_item(request)},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok = _run(
            form,
            lambda: services.dispense(
                clinic,
                [services.DispenseLine(d["item"], d["quantity"], d["lot"])],
                by=request.user,
                patient=d["patient"],
                kind=d["kind"],
                reason=d["reason"],
                override_reason=d["override_reason"],
            ),
        )
        if ok:
            messages.success(request, _("Stock taken out."))
            return redirect(_url(request, "stock"))
    return _page(
        request,
        "form.html",
        {"form": form, "title": _("Dispense or use stock"), "submit": _("Take out")},
        400 if form.errors else 200,
    )


@member_required
def adjust(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.adjust_stock", clinic)
    form = forms.AdjustForm(
        request.POST or None, items=_items(clinic), lots=_lots(clinic), initial=_chosen_item(request)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _run(
            form,
            lambda: services.adjust(
                clinic, d["item"], d["quantity"], d["reason"], by=request.user, lot=d["lot"]
            ),
        ):
            messages.success(request, _("Stock adjusted."))
            return redirect(_url(request, "stock"))
    return _page(
        request,
        "form.html",
        {"form": form, "title": _("Adjust stock"), "submit": _("Adjust")},
        400 if form.errors else 200,
    )


@member_required
def write_off(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.adjust_stock", clinic)
    form = forms.WriteOffForm(
        request.POST or None, items=_items(clinic), lots=_lots(clinic), initial=_chosen_item(request)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _run(
            form,
            lambda: services.write_off(
                clinic, d["item"], d["quantity"], d["reason"], by=request.user, lot=d["lot"]
            ),
        ):
            messages.success(request, _("Stock written off."))
            return redirect(_url(request, "item_detail", pk=d["item"].pk))
    return _page(
        request,
        "form.html",
        {"form": form, "title": _("Write off stock"), "submit": _("Write off")},
        400 if form.errors else 200,
    )


@member_required
def item_detail(request, clinic_slug, pk):
    """One item at this clinic: what is on hand (per lot), its reorder level here, its latest movements,
    and the actions a person takes on it from here."""
    clinic = request.clinic
    check_perm(request, "inventory.view_stock", clinic)
    item = get_for_member(request, Item.objects.select_related("supplier"), pk)
    levels = list(selectors.levels_at(clinic).filter(item=item))
    rule = ReorderRule.objects.filter(organization_id=item.organization_id, clinic=clinic, item=item).first()
    moves = selectors.movements(clinic.organization_id, [clinic.pk], item=item.pk)[:20]
    user = request.user
    return _page(
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
def reorder_levels(request, clinic_slug):
    """Every active item's reorder level and quantity at this clinic, each row saved on its own."""
    clinic = request.clinic
    check_perm(request, "inventory.manage_catalog", clinic.organization)
    error_item, form = None, None
    if request.method == "POST":
        item = _items(clinic).filter(pk=parse_id(request.POST.get("item"))).first()
        if item is None:
            raise Http404
        form = forms.ReorderForm(request.POST)
        if form.is_valid() and _run(
            form,
            lambda: services.set_reorder_rule(
                clinic, item, form.cleaned_data["reorder_level"], form.cleaned_data["reorder_quantity"]
            ),
        ):
            messages.success(request, _("Reorder level of %(item)s saved.") % {"item": item.name})
            query = f"?page={request.GET['page']}" if request.GET.get("page", "").isdigit() else ""
            return redirect(_url(request, "reorder_levels") + query)
        error_item = item.pk
    page = Paginator(_items(clinic), 50).get_page(request.GET.get("page"))
    ids = [item.pk for item in page]
    rules = {
        r.item_id: r
        for r in ReorderRule.objects.filter(
            organization_id=clinic.organization_id, clinic=clinic, item_id__in=ids
        )
    }
    on_hand = {
        row["item_id"]: row["total"] for row in selectors.on_hand_by_item(clinic) if row["item_id"] in ids
    }
    rows = [
        {
            "item": item,
            "rule": rules.get(item.pk),
            "on_hand": on_hand.get(item.pk, Decimal("0")),
            "errors": form.errors if item.pk == error_item else None,
            "data": form.data if item.pk == error_item else None,
            "non_field": form.non_field_errors() if item.pk == error_item else None,
        }
        for item in page
    ]
    return _page(request, "reorder_levels.html", {"page": page, "rows": rows}, 400 if error_item else 200)


@member_required
def suppliers(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.view_catalog", clinic)
    qs = Supplier.objects.filter(organization_id=clinic.organization_id).order_by("-active", "name", "id")
    return _page(
        request,
        "suppliers.html",
        {
            "page": Paginator(qs, 50).get_page(request.GET.get("page")),
            "can_edit": request.user.has_perm("inventory.manage_catalog", clinic.organization),
        },
    )


@member_required
def supplier_edit(request, clinic_slug, pk=None):
    clinic = request.clinic
    org = clinic.organization
    if pk is None:
        supplier = Supplier(organization_id=org.pk)
    else:
        supplier = get_for_member(request, Supplier.objects.all(), pk, "inventory.view_catalog")
    check_perm(request, "inventory.manage_catalog", org)
    form = forms.SupplierForm(request.POST or None, instance=supplier)
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(form, lambda: services.save_supplier(form.instance))
    ):
        messages.success(request, _("Supplier saved."))
        return redirect(_url(request, "suppliers"))
    title = supplier.name if supplier.pk else _("New supplier")
    return _page(
        request,
        "form.html",
        {"form": form, "title": title, "submit": _("Save"), "cancel": _url(request, "suppliers")},
        400 if form.errors else 200,
    )


@member_required
def expiring(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.view_stock", clinic)
    if request.method == "POST":
        check_perm(request, "inventory.adjust_stock", clinic)
        written = services.write_off_expired(clinic, by=request.user)
        messages.success(request, _("%(count)s expired lots written off.") % {"count": len(written)})
        return redirect(_url(request, "expiring"))
    levels = list(selectors.expiring_levels(clinic)[:500])
    today = services._today(clinic)
    return _page(
        request,
        "expiring.html",
        {
            "levels": levels,
            "today": today,
            "can_write_off": request.user.has_perm("inventory.adjust_stock", clinic),
        },
    )


@member_required
def transfers(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.view_stock", clinic)
    from django.db.models import Q

    qs = (
        Transfer.objects.filter(organization_id=clinic.organization_id)
        .filter(Q(source=clinic) | Q(destination=clinic))
        .select_related("source", "destination")
        .order_by("-sent_at", "-id")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return _page(request, "transfers.html", {"page": page})


@member_required
def transfer_create(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.transfer_stock", clinic)
    # Both ends must be clinics the member may move stock at (every clinic for an owner).
    others = visible_clinics(request).exclude(pk=clinic.pk)
    form = forms.TransferForm(request.POST or None, items=_items(clinic), clinics=others)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        line = [services.TransferItem(d["item"], d["quantity"])]
        check_perm(request, "inventory.transfer_stock", d["destination"])
        service = services.transfer_now if d["one_step"] else services.send_transfer

        def action():
            return service(clinic, d["destination"], line, by=request.user, note=d["note"])

        if _run(form, action):
            messages.success(request, _("Transfer recorded."))
            return redirect(_url(request, "transfers"))
    return _page(
        request,
        "form.html",
        {"form": form, "title": _("Send stock"), "submit": _("Send")},
        400 if form.errors else 200,
    )


@member_required
def transfer_detail(request, clinic_slug, pk):
    clinic = request.clinic
    transfer = get_for_member(
        request, Transfer.objects.select_related("source", "destination"), pk, "inventory.view_stock"
    )
    if clinic.pk not in (transfer.source_id, transfer.destination_id):
        raise Http404
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
            services.receive_transfer(transfer, by=request.user, received=received, notes=notes)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Transfer received."))
            return redirect(_url(request, "transfer_detail", pk=transfer.pk))
    return _page(
        request,
        "transfer_detail.html",
        {"transfer": transfer, "lines": lines, "can_receive": can_receive, "error": error},
        400 if error else 200,
    )


@member_required
def orders(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.receive_stock", clinic)
    qs = PurchaseOrder.objects.filter(organization_id=clinic.organization_id, clinic=clinic).select_related(
        "supplier"
    )
    return _page(request, "orders.html", {"page": Paginator(qs, 50).get_page(request.GET.get("page"))})


@member_required
def order_create(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.receive_stock", clinic)
    suppliers = Supplier.objects.filter(organization_id=clinic.organization_id, active=True)
    form = forms.OrderForm(request.POST or None, items=_items(clinic), suppliers=suppliers)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        result = {}

        def create():
            result["order"] = services.create_purchase_order(
                clinic, d["supplier"], [(d["item"], d["quantity"], d["unit_cost"])], by=request.user
            )

        if _run(form, create):
            messages.success(request, _("Purchase order placed."))
            return redirect(_url(request, "order_detail", pk=result["order"].pk))
    return _page(
        request,
        "form.html",
        {"form": form, "title": _("New purchase order"), "submit": _("Place order")},
        400 if form.errors else 200,
    )


@member_required
def order_detail(request, clinic_slug, pk):
    clinic = request.clinic
    order = get_for_member(
        request, PurchaseOrder.objects.select_related("supplier"), pk, "inventory.receive_stock"
    )
    if order.clinic_id != clinic.pk:
        raise Http404
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
                arrivals[line.pk] = services.Arrival(raw, request.POST.get(f"lot_{line.pk}", ""), expiry)
        if error is None:
            try:
                services.receive_purchase_order(order, arrivals, by=request.user)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, _("Delivery received."))
                return redirect(_url(request, "order_detail", pk=order.pk))
    return _page(
        request, "order_detail.html", {"order": order, "lines": lines, "error": error}, 400 if error else 200
    )


@member_required
def stocktakes(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.adjust_stock", clinic)
    if request.method == "POST":
        stocktake = services.start_stocktake(clinic, by=request.user)
        return redirect(_url(request, "stocktake_detail", pk=stocktake.pk))
    qs = Stocktake.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
    return _page(request, "stocktakes.html", {"page": Paginator(qs, 50).get_page(request.GET.get("page"))})


@member_required
def stocktake_detail(request, clinic_slug, pk):
    clinic = request.clinic
    stocktake = get_for_member(request, Stocktake.objects.all(), pk, "inventory.adjust_stock")
    if stocktake.clinic_id != clinic.pk:
        raise Http404
    lines = list(stocktake.lines.select_related("item", "lot").order_by("item__name", "id"))
    error = None
    if request.method == "POST" and stocktake.status == StocktakeStatus.OPEN:
        counts = {line.pk: request.POST.get(f"line_{line.pk}", "").strip() for line in lines}
        try:
            services.post_stocktake(stocktake, counts, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Stocktake posted."))
            return redirect(_url(request, "stocktake_detail", pk=stocktake.pk))
    book = {(lv.item_id, lv.lot_id): lv.quantity for lv in selectors.levels_at(clinic)}
    for line in lines:
        line.book = book.get((line.item_id, line.lot_id), Decimal("0"))
    return _page(
        request,
        "stocktake_detail.html",
        {"stocktake": stocktake, "lines": lines, "error": error},
        400 if error else 200,
    )


@member_required
def reports(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.view_reports", clinic)
    clinics = [c for c in visible_clinics(request) if request.user.has_perm("inventory.view_reports", c)]
    from core.tenancy.models import Clinic

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
    return _page(
        request,
        "reports.html",
        {"summary": summary, "filters": filters, "page": page, "query": query.urlencode()},
    )


def _csv_safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@member_required
def clinic_settings(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "inventory.manage_settings", clinic)
    current = InventorySettings.objects.filter(organization_id=clinic.organization_id, clinic=clinic).first()
    form = forms.SettingsForm(
        request.POST or None, initial={"allow_negative_stock": bool(current and current.allow_negative_stock)}
    )
    if request.method == "POST" and form.is_valid():
        services.set_allow_negative(clinic, form.cleaned_data["allow_negative_stock"])
        messages.success(request, _("Settings saved."))
        return redirect(_url(request, "stock"))
    return _page(request, "form.html", {"form": form, "title": _("Inventory settings"), "submit": _("Save")})
