"""Records a request body names by id: one of another organization, or missing, is a field error
(422) naming the field, never a trace of what exists elsewhere."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ..models import Item, Lot, Supplier


def chosen_item(request: HttpRequest, pk: int | None, field: str = "item_id") -> Item:
    item = (
        Item.objects.filter(organization_id=request.clinic.organization_id, pk=pk).first()
        if pk and pk > 0
        else None
    )
    if item is None:
        raise ValidationError({field: _("Choose an item of the catalog.")})
    return item


def chosen_lot(request: HttpRequest, pk: int | None, item: Item, field: str = "lot_id") -> Lot | None:
    if pk is None:
        return None
    lot = (
        Lot.objects.filter(organization_id=request.clinic.organization_id, pk=pk, item=item).first()
        if pk > 0
        else None
    )
    if lot is None:
        raise ValidationError({field: _("Choose a lot of this item.")})
    return lot


def chosen_supplier(request: HttpRequest, pk: int | None) -> Supplier | None:
    if pk is None:
        return None
    supplier = (
        Supplier.objects.filter(organization_id=request.clinic.organization_id, pk=pk).first()
        if pk > 0
        else None
    )
    if supplier is None:
        raise ValidationError({"supplier_id": _("Choose a supplier of this organization.")})
    return supplier
