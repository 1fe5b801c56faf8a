"""Catalog operations: the organization's items and suppliers."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from core.api.common import PageParams, page_of, paginate
from core.api.schemas import StrictSchema
from core.tenancy.access import check_perm

from .. import selectors
from ..access import access_item, access_supplier
from ..models import Item, Supplier, Unit
from ..services import catalog
from .choices import chosen_supplier
from .responses import ERRORS

router = Router()


class ItemIn(StrictSchema):
    name: str = Field(min_length=1, max_length=200)
    sku: str = Field(min_length=1, max_length=64)
    category: str = Field(default="", max_length=100)
    unit: Literal[tuple(u.value for u in Unit)] = "each"  # type: ignore[valid-type]
    cost_price: Decimal = Field(default=Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    sellable: bool = False
    price: Decimal = Field(default=Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    tax_rate: Decimal = Field(default=Decimal("0"), ge=0, le=100, max_digits=5, decimal_places=2)
    lot_tracked: bool = False
    supplier_id: int | None = None
    active: bool = True


class ItemOut(Schema):
    id: int
    name: str
    sku: str
    category: str
    unit: str
    cost_price: Decimal
    sellable: bool
    price: Decimal
    tax_rate: Decimal
    lot_tracked: bool
    supplier_id: int | None
    active: bool


class SupplierIn(StrictSchema):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    active: bool = True


class SupplierOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    active: bool


@router.get("/items", response={200: page_of(ItemOut), **ERRORS}, summary="List catalog items")
def list_items(request: HttpRequest, params: Query[PageParams], q: str = "") -> dict:
    check_perm(request, "inventory.view_catalog", request.clinic)
    qs = selectors.items(request.clinic.organization_id)
    if q:
        qs = qs.filter(name__icontains=q[:100]) | qs.filter(sku__iexact=q[:64])
    return paginate(request, qs.order_by("name", "id"), params)


def _save_item(request: HttpRequest, item: Item, payload: ItemIn) -> Item:
    data = payload.dict()
    item.supplier = chosen_supplier(request, data.pop("supplier_id"))
    for key, value in data.items():
        setattr(item, key, value)
    try:
        with transaction.atomic():
            return catalog.save_item(item)
    except IntegrityError:
        raise ValidationError(
            {"sku": _("Another item already has the SKU %(sku)s.") % {"sku": item.sku}}
        ) from None


@router.post("/items", response={201: ItemOut, **ERRORS}, summary="Add a catalog item")
def create_item(request: HttpRequest, payload: ItemIn) -> Status:
    check_perm(request, "inventory.manage_catalog", request.clinic.organization)
    item = _save_item(request, Item(organization_id=request.clinic.organization_id), payload)
    return Status(201, item)


@router.put("/items/{item_id}", response={200: ItemOut, **ERRORS}, summary="Change a catalog item")
def update_item(request: HttpRequest, item_id: str, payload: ItemIn) -> Item:
    item = access_item(request, item_id, permission="inventory.manage_catalog")
    return _save_item(request, item, payload)


@router.get("/suppliers", response={200: page_of(SupplierOut), **ERRORS}, summary="List suppliers")
def list_suppliers(request: HttpRequest, params: Query[PageParams]) -> dict:
    check_perm(request, "inventory.view_catalog", request.clinic)
    qs = Supplier.objects.filter(organization_id=request.clinic.organization_id)
    return paginate(request, qs.order_by("name", "id"), params)


def _save_supplier(supplier: Supplier, payload: SupplierIn) -> Supplier:
    for key, value in payload.dict().items():
        setattr(supplier, key, value)
    return catalog.save_supplier(supplier)


@router.post("/suppliers", response={201: SupplierOut, **ERRORS}, summary="Add a supplier")
def create_supplier(request: HttpRequest, payload: SupplierIn) -> Status:
    check_perm(request, "inventory.manage_catalog", request.clinic.organization)
    return Status(201, _save_supplier(Supplier(organization_id=request.clinic.organization_id), payload))


@router.put("/suppliers/{supplier_id}", response={200: SupplierOut, **ERRORS}, summary="Change a supplier")
def update_supplier(request: HttpRequest, supplier_id: str, payload: SupplierIn) -> Supplier:
    supplier = access_supplier(request, supplier_id, permission="inventory.manage_catalog")
    return _save_supplier(supplier, payload)
