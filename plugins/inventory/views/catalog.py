"""Pages of the organization's catalog: items, the CSV import, reorder levels and suppliers."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.office.decorators import member_required
from core.tenancy.access import check_perm, parse_id

from .. import forms, selectors
from ..access import access_item, access_supplier
from ..models import Item, ReorderRule, Supplier
from ..services import reorder_rules
from ..services.catalog import save_item, save_supplier
from ..services.catalog_import import import_catalog
from .common import active_items, office_url, render_page, run_or_form_errors


@member_required
def catalog(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.view_catalog", clinic)
    qs = selectors.items(clinic.organization_id)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(sku__iexact=q)
    page = Paginator(qs.order_by("name", "id"), 50).get_page(request.GET.get("page"))
    return render_page(
        request,
        "catalog.html",
        {
            "page": page,
            "q": q,
            "can_edit": request.user.has_perm("inventory.manage_catalog", clinic.organization),
        },
    )


@member_required
def item_edit(request: HttpRequest, clinic_slug: str, pk: str | None = None) -> HttpResponse:
    clinic = request.clinic
    org = clinic.organization
    if pk is None:
        check_perm(request, "inventory.manage_catalog", org)
        item = Item(organization_id=org.pk)
    else:
        item = access_item(request, pk, permission="inventory.manage_catalog")
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
                    saved = save_item(form.instance)
                    if reorder.cleaned_data["reorder_level"] or rule:
                        reorder_rules.set_reorder_rule(
                            clinic,
                            saved,
                            reorder.cleaned_data["reorder_level"],
                            reorder.cleaned_data["reorder_quantity"],
                        )

            if run_or_form_errors(form, save):
                messages.success(request, _("Item saved."))
                return redirect(office_url(request, "catalog"))
    return render_page(request, "item_form.html", {"form": form, "reorder": reorder, "item": item}, status)


@member_required
def catalog_import(request: HttpRequest, clinic_slug: str) -> HttpResponse:
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
                result = import_catalog(clinic.organization, text, dry_run=not confirm)
                if confirm and not result.errors:
                    messages.success(
                        request,
                        _("Catalog imported: %(created)s new, %(updated)s updated.")
                        % {"created": result.created, "updated": result.updated},
                    )
                    return redirect(office_url(request, "catalog"))
    status = 400 if result and result.errors else 200
    return render_page(request, "import.html", {"form": form, "result": result}, status)


@member_required
def reorder_levels(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """Every active item's reorder level and quantity at this clinic, each row saved on its own."""
    clinic = request.clinic
    check_perm(request, "inventory.manage_catalog", clinic.organization)
    error_item, form = None, None
    if request.method == "POST":
        item = active_items(clinic).filter(pk=parse_id(request.POST.get("item"))).first()
        if item is None:
            raise Http404
        form = forms.ReorderForm(request.POST)
        if form.is_valid() and run_or_form_errors(
            form,
            lambda: reorder_rules.set_reorder_rule(
                clinic, item, form.cleaned_data["reorder_level"], form.cleaned_data["reorder_quantity"]
            ),
        ):
            messages.success(request, _("Reorder level of %(item)s saved.") % {"item": item.name})
            query = f"?page={request.GET['page']}" if request.GET.get("page", "").isdigit() else ""
            return redirect(office_url(request, "reorder_levels") + query)
        error_item = item.pk
    page = Paginator(active_items(clinic), 50).get_page(request.GET.get("page"))
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
    return render_page(
        request, "reorder_levels.html", {"page": page, "rows": rows}, 400 if error_item else 200
    )


@member_required
def suppliers(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    check_perm(request, "inventory.view_catalog", clinic)
    qs = Supplier.objects.filter(organization_id=clinic.organization_id).order_by("-active", "name", "id")
    return render_page(
        request,
        "suppliers.html",
        {
            "page": Paginator(qs, 50).get_page(request.GET.get("page")),
            "can_edit": request.user.has_perm("inventory.manage_catalog", clinic.organization),
        },
    )


@member_required
def supplier_edit(request: HttpRequest, clinic_slug: str, pk: str | None = None) -> HttpResponse:
    clinic = request.clinic
    org = clinic.organization
    if pk is None:
        check_perm(request, "inventory.manage_catalog", org)
        supplier = Supplier(organization_id=org.pk)
    else:
        supplier = access_supplier(request, pk, permission="inventory.manage_catalog")
    form = forms.SupplierForm(request.POST or None, instance=supplier)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_or_form_errors(form, lambda: save_supplier(form.instance))
    ):
        messages.success(request, _("Supplier saved."))
        return redirect(office_url(request, "suppliers"))
    title = supplier.name if supplier.pk else _("New supplier")
    return render_page(
        request,
        "form.html",
        {"form": form, "title": title, "submit": _("Save"), "cancel": office_url(request, "suppliers")},
        400 if form.errors else 200,
    )
