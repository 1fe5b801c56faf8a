"""Purchase order operations: listing, placing an order, and receiving a delivery."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from core.api.common import PageParams, page_of, paginate
from core.api.schemas import StrictSchema
from core.api.types import BoundedDate
from core.tenancy.access import check_perm

from ..access import access_purchase_order
from ..models import PurchaseOrder
from ..services import purchase_orders
from .choices import chosen_item, chosen_supplier
from .responses import ERRORS

router = Router()


class OrderLineIn(StrictSchema):
    item_id: int
    quantity: Decimal = Field(gt=0, max_digits=14, decimal_places=3)
    unit_cost: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)


class OrderIn(StrictSchema):
    supplier_id: int | None = None
    lines: list[OrderLineIn] = Field(min_length=1, max_length=100)


class OrderLineOut(Schema):
    id: int
    item_id: int
    quantity_ordered: Decimal
    quantity_received: Decimal
    unit_cost: Decimal


class OrderOut(Schema):
    id: int
    clinic_id: int
    supplier_id: int | None
    status: str
    created_at: datetime
    lines: list[OrderLineOut]


class OrderReceiveLineIn(StrictSchema):
    line_id: int
    quantity: Decimal = Field(ge=0, max_digits=14, decimal_places=3)
    lot_number: str = Field(default="", max_length=64)
    expiry_date: BoundedDate | None = None


class OrderReceiveIn(StrictSchema):
    lines: list[OrderReceiveLineIn] = Field(min_length=1, max_length=100)


def _order_out(o: PurchaseOrder) -> dict:
    return {
        **{f: getattr(o, f) for f in ("id", "clinic_id", "supplier_id", "status", "created_at")},
        "lines": list(o.lines.all()),
    }


@router.get("/purchase-orders", response={200: page_of(OrderOut), **ERRORS}, summary="Purchase orders")
def list_orders(request: HttpRequest, params: Query[PageParams]) -> dict:
    check_perm(request, "inventory.receive_stock", request.clinic)
    qs = PurchaseOrder.objects.filter(organization_id=request.clinic.organization_id, clinic=request.clinic)
    page = paginate(request, qs.prefetch_related("lines"), params)
    page["items"] = [_order_out(o) for o in page["items"]]
    return page


@router.post("/purchase-orders", response={201: OrderOut, **ERRORS}, summary="Place a purchase order")
def create_order(request: HttpRequest, payload: OrderIn) -> Status:
    check_perm(request, "inventory.receive_stock", request.clinic)
    lines = [
        (chosen_item(request, line.item_id, f"lines.{n}.item_id"), line.quantity, line.unit_cost)
        for n, line in enumerate(payload.lines)
    ]
    order = purchase_orders.create_purchase_order(
        request.clinic, chosen_supplier(request, payload.supplier_id), lines, by=request.user
    )
    return Status(201, _order_out(order))


@router.post(
    "/purchase-orders/{order_id}/receive", response={200: OrderOut, **ERRORS}, summary="Receive a delivery"
)
def receive_order(request: HttpRequest, order_id: str, payload: OrderReceiveIn) -> dict:
    order = access_purchase_order(request, order_id)
    arrivals = {
        line.line_id: purchase_orders.Arrival(line.quantity, line.lot_number, line.expiry_date)
        for line in payload.lines
    }
    return _order_out(purchase_orders.receive_purchase_order(order, arrivals, by=request.user))
