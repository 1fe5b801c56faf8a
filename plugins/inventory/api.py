"""Inventory API, mounted by the core at ``/api/v1/clinics/{clinic_id}/inventory/``.

The core has already resolved ``request.clinic`` (a clinic the caller may see, with inventory on). Each
operation checks the same permissions as the back-office pages.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from core.api.common import PageParams, page_of, paginate
from core.api.schemas import ErrorOut, StrictSchema
from core.patients.selectors import visible_patients
from core.tenancy.access import check_perm, parse_id
from core.tenancy.models import Clinic

from . import selectors, services
from .models import Item, Lot, MovementKind, PurchaseOrder, Stocktake, Supplier, Transfer, Unit

router = Router()

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- schemas ---------------------------------------------------------------------------------------------


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


class LevelOut(Schema):
    item_id: int
    item_name: str
    sku: str
    lot_id: int | None
    lot_number: str | None
    expiry_date: date | None
    quantity: Decimal


class MovementOut(Schema):
    id: int
    clinic_id: int
    item_id: int
    lot_id: int | None
    kind: str
    quantity: Decimal
    reason: str
    reference: str
    patient_id: int | None
    created_by_id: int | None
    created_at: datetime


class MovementQuery(PageParams):
    item: int | None = None
    kind: Literal[tuple(k.value for k in MovementKind)] | None = None  # type: ignore[valid-type]
    date_from: date | None = None
    date_to: date | None = None


class ReceiveIn(StrictSchema):
    item_id: int
    quantity: Decimal = Field(gt=0, max_digits=14, decimal_places=3)
    lot_number: str = Field(default="", max_length=64)
    expiry_date: date | None = None
    unit_cost: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    reason: str = Field(default="", max_length=300)


class DispenseLineIn(StrictSchema):
    item_id: int
    quantity: Decimal = Field(gt=0, max_digits=14, decimal_places=3)
    lot_id: int | None = None


class DispenseIn(StrictSchema):
    kind: Literal["dispensed", "used"] = "dispensed"
    patient_id: int | None = None
    lines: list[DispenseLineIn] = Field(min_length=1, max_length=50)
    reason: str = Field(default="", max_length=300)
    override_reason: str = Field(default="", max_length=300)


class AdjustIn(StrictSchema):
    item_id: int
    quantity: Decimal = Field(max_digits=14, decimal_places=3, description="Signed change.")
    lot_id: int | None = None
    reason: str = Field(min_length=1, max_length=300)


class WriteOffIn(StrictSchema):
    item_id: int
    quantity: Decimal = Field(gt=0, max_digits=14, decimal_places=3)
    lot_id: int | None = Field(default=None, description="Required when the item has stock in lots here.")
    reason: str = Field(min_length=1, max_length=300)


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


class TransferLineIn(StrictSchema):
    item_id: int
    quantity: Decimal = Field(gt=0, max_digits=14, decimal_places=3)
    lot_id: int | None = None


class TransferIn(StrictSchema):
    destination_id: int
    lines: list[TransferLineIn] = Field(min_length=1, max_length=50)
    note: str = Field(default="", max_length=300)
    one_step: bool = False


class TransferLineOut(Schema):
    id: int
    item_id: int
    lot_id: int | None
    quantity_sent: Decimal
    quantity_received: Decimal | None
    discrepancy_note: str


class TransferOut(Schema):
    id: int
    source_id: int
    destination_id: int
    status: str
    note: str
    sent_at: datetime
    received_at: datetime | None
    lines: list[TransferLineOut]


class TransferReceiveLineIn(StrictSchema):
    line_id: int
    quantity_received: Decimal = Field(ge=0, max_digits=14, decimal_places=3)
    note: str = Field(default="", max_length=300)


class TransferReceiveIn(StrictSchema):
    lines: list[TransferReceiveLineIn] = Field(default_factory=list, max_length=50)


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
    expiry_date: date | None = None


class OrderReceiveIn(StrictSchema):
    lines: list[OrderReceiveLineIn] = Field(min_length=1, max_length=100)


class StocktakeLineOut(Schema):
    id: int
    item_id: int
    lot_id: int | None
    counted: Decimal | None


class StocktakeOut(Schema):
    id: int
    clinic_id: int
    status: str
    created_at: datetime
    posted_at: datetime | None
    lines: list[StocktakeLineOut]


class CountIn(StrictSchema):
    line_id: int
    counted: Decimal = Field(ge=0, max_digits=14, decimal_places=3)


class StocktakePostIn(StrictSchema):
    counts: list[CountIn] = Field(min_length=1, max_length=5000)


# --- helpers ---------------------------------------------------------------------------------------------


def _item(request, pk, field: str = "item_id") -> Item:
    item = (
        Item.objects.filter(organization_id=request.clinic.organization_id, pk=pk).first()
        if pk and pk > 0
        else None
    )
    if item is None:
        raise ValidationError({field: _("Choose an item of the catalog.")})
    return item


def _lot(request, pk, item: Item, field: str = "lot_id") -> Lot | None:
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


def _supplier(request, pk) -> Supplier | None:
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


def _transfer_out(t: Transfer) -> dict:
    return {
        **{
            f: getattr(t, f)
            for f in ("id", "source_id", "destination_id", "status", "note", "sent_at", "received_at")
        },
        "lines": list(t.lines.all()),
    }


def _order_out(o: PurchaseOrder) -> dict:
    return {
        **{f: getattr(o, f) for f in ("id", "clinic_id", "supplier_id", "status", "created_at")},
        "lines": list(o.lines.all()),
    }


def _stocktake_out(s: Stocktake) -> dict:
    return {
        **{f: getattr(s, f) for f in ("id", "clinic_id", "status", "created_at", "posted_at")},
        "lines": list(s.lines.all()),
    }


# --- catalog ---------------------------------------------------------------------------------------------


@router.get("/items", response={200: page_of(ItemOut), **ERRORS}, summary="List catalog items")
def list_items(request, params: Query[PageParams], q: str = ""):
    check_perm(request, "inventory.view_catalog", request.clinic)
    qs = selectors.items(request.clinic.organization_id)
    if q:
        qs = qs.filter(name__icontains=q[:100]) | qs.filter(sku__iexact=q[:64])
    return paginate(request, qs.order_by("name", "id"), params)


def _save_item(request, item: Item, payload: ItemIn) -> Item:
    data = payload.dict()
    item.supplier = _supplier(request, data.pop("supplier_id"))
    for key, value in data.items():
        setattr(item, key, value)
    try:
        with transaction.atomic():
            return services.save_item(item)
    except IntegrityError:
        raise ValidationError(
            {"sku": _("Another item already has the SKU %(sku)s.") % {"sku": item.sku}}
        ) from None


@router.post("/items", response={201: ItemOut, **ERRORS}, summary="Add a catalog item")
def create_item(request, payload: ItemIn):
    check_perm(request, "inventory.manage_catalog", request.clinic.organization)
    item = _save_item(request, Item(organization_id=request.clinic.organization_id), payload)
    return Status(201, item)


@router.put("/items/{item_id}", response={200: ItemOut, **ERRORS}, summary="Change a catalog item")
def update_item(request, item_id: str, payload: ItemIn):
    check_perm(request, "inventory.manage_catalog", request.clinic.organization)
    item = Item.objects.filter(organization_id=request.clinic.organization_id, pk=parse_id(item_id)).first()
    if item is None:
        raise Http404
    return _save_item(request, item, payload)


@router.get("/suppliers", response={200: page_of(SupplierOut), **ERRORS}, summary="List suppliers")
def list_suppliers(request, params: Query[PageParams]):
    check_perm(request, "inventory.view_catalog", request.clinic)
    qs = Supplier.objects.filter(organization_id=request.clinic.organization_id)
    return paginate(request, qs.order_by("name", "id"), params)


def _save_supplier(supplier: Supplier, payload: SupplierIn) -> Supplier:
    for key, value in payload.dict().items():
        setattr(supplier, key, value)
    return services.save_supplier(supplier)


@router.post("/suppliers", response={201: SupplierOut, **ERRORS}, summary="Add a supplier")
def create_supplier(request, payload: SupplierIn):
    check_perm(request, "inventory.manage_catalog", request.clinic.organization)
    return Status(201, _save_supplier(Supplier(organization_id=request.clinic.organization_id), payload))


@router.put("/suppliers/{supplier_id}", response={200: SupplierOut, **ERRORS}, summary="Change a supplier")
def update_supplier(request, supplier_id: str, payload: SupplierIn):
    check_perm(request, "inventory.manage_catalog", request.clinic.organization)
    supplier = Supplier.objects.filter(
        organization_id=request.clinic.organization_id, pk=parse_id(supplier_id)
    ).first()
    if supplier is None:
        raise Http404
    return _save_supplier(supplier, payload)


# --- stock -----------------------------------------------------------------------------------------------


@router.get("/stock", response={200: list[LevelOut], **ERRORS}, summary="Stock on hand at this clinic")
def stock_levels(request):
    check_perm(request, "inventory.view_stock", request.clinic)
    return [
        {
            "item_id": lv.item_id,
            "item_name": lv.item.name,
            "sku": lv.item.sku,
            "lot_id": lv.lot_id,
            "lot_number": lv.lot.number if lv.lot else None,
            "expiry_date": lv.lot.expiry_date if lv.lot else None,
            "quantity": lv.quantity,
        }
        for lv in selectors.levels_at(request.clinic)[:5000]
    ]


@router.get("/movements", response={200: page_of(MovementOut), **ERRORS}, summary="Movement history")
def list_movements(request, filters: Query[MovementQuery]):
    check_perm(request, "inventory.view_reports", request.clinic)
    qs = selectors.movements(
        request.clinic.organization_id,
        [request.clinic.pk],
        item=filters.item,
        kind=filters.kind or "",
        start=filters.date_from,
        end=filters.date_to,
    )
    return paginate(request, qs, filters)


@router.post("/receive", response={201: MovementOut, **ERRORS}, summary="Receive stock without an order")
def receive(request, payload: ReceiveIn):
    check_perm(request, "inventory.receive_stock", request.clinic)
    item = _item(request, payload.item_id)
    movement = services.receive(
        request.clinic,
        item,
        payload.quantity,
        by=request.user,
        lot_number=payload.lot_number,
        expiry_date=payload.expiry_date,
        unit_cost=payload.unit_cost,
        reason=payload.reason,
    )
    return Status(201, movement)


@router.post("/dispense", response={201: list[MovementOut], **ERRORS}, summary="Dispense or use stock")
def dispense(request, payload: DispenseIn):
    check_perm(request, "inventory.dispense_stock", request.clinic)
    patient = None
    if payload.patient_id is not None:
        patient = (
            visible_patients(request.member).filter(pk=payload.patient_id).first()
            if payload.patient_id > 0
            else None
        )
        if patient is None:
            raise ValidationError({"patient_id": _("Choose one of your patients.")})
    lines = []
    for n, line in enumerate(payload.lines):
        item = _item(request, line.item_id, f"lines.{n}.item_id")
        lines.append(
            services.DispenseLine(item, line.quantity, _lot(request, line.lot_id, item, f"lines.{n}.lot_id"))
        )
    movements = services.dispense(
        request.clinic,
        lines,
        by=request.user,
        patient=patient,
        kind=payload.kind,
        reason=payload.reason,
        override_reason=payload.override_reason,
    )
    return Status(201, movements)


@router.post("/adjust", response={201: MovementOut, **ERRORS}, summary="Adjust stock with a reason")
def adjust(request, payload: AdjustIn):
    check_perm(request, "inventory.adjust_stock", request.clinic)
    item = _item(request, payload.item_id)
    return Status(
        201,
        services.adjust(
            request.clinic,
            item,
            payload.quantity,
            payload.reason,
            by=request.user,
            lot=_lot(request, payload.lot_id, item),
        ),
    )


@router.post("/write-off", response={201: MovementOut, **ERRORS}, summary="Write off stock with a reason")
def write_off(request, payload: WriteOffIn):
    check_perm(request, "inventory.adjust_stock", request.clinic)
    item = _item(request, payload.item_id)
    return Status(
        201,
        services.write_off(
            request.clinic,
            item,
            payload.quantity,
            payload.reason,
            by=request.user,
            lot=_lot(request, payload.lot_id, item),
        ),
    )


# --- transfers -------------------------------------------------------------------------------------------


@router.get(
    "/transfers", response={200: page_of(TransferOut), **ERRORS}, summary="Transfers from or to this clinic"
)
def list_transfers(request, params: Query[PageParams]):
    check_perm(request, "inventory.view_stock", request.clinic)
    clinic = request.clinic
    qs = Transfer.objects.filter(organization_id=clinic.organization_id).filter(
        Q(source=clinic) | Q(destination=clinic)
    )
    page = paginate(request, qs.prefetch_related("lines").order_by("-sent_at", "-id"), params)
    page["items"] = [_transfer_out(t) for t in page["items"]]
    return page


@router.post("/transfers", response={201: TransferOut, **ERRORS}, summary="Send stock to another clinic")
def create_transfer(request, payload: TransferIn):
    source = request.clinic
    check_perm(request, "inventory.transfer_stock", source)
    destination = Clinic.objects.filter(
        organization_id=source.organization_id, pk=payload.destination_id
    ).first()
    if destination is None:
        raise ValidationError({"destination_id": _("Choose a clinic of this organization.")})
    lines = []
    for n, line in enumerate(payload.lines):
        item = _item(request, line.item_id, f"lines.{n}.item_id")
        lines.append(
            services.TransferItem(item, line.quantity, _lot(request, line.lot_id, item, f"lines.{n}.lot_id"))
        )
    check_perm(request, "inventory.transfer_stock", destination)
    if payload.one_step:
        transfer = services.transfer_now(source, destination, lines, by=request.user, note=payload.note)
    else:
        transfer = services.send_transfer(source, destination, lines, by=request.user, note=payload.note)
    return Status(201, _transfer_out(transfer))


@router.post(
    "/transfers/{transfer_id}/receive", response={200: TransferOut, **ERRORS}, summary="Receive a transfer"
)
def receive_transfer(request, transfer_id: str, payload: TransferReceiveIn):
    clinic = request.clinic
    transfer = Transfer.objects.filter(
        organization_id=clinic.organization_id, destination=clinic, pk=parse_id(transfer_id)
    ).first()
    if transfer is None:
        raise Http404
    check_perm(request, "inventory.transfer_stock", clinic)
    line_ids = set(transfer.lines.values_list("pk", flat=True))
    if any(line.line_id not in line_ids for line in payload.lines):
        raise ValidationError({"lines": _("That line is not on this transfer.")})
    transfer = services.receive_transfer(
        transfer,
        by=request.user,
        received={line.line_id: line.quantity_received for line in payload.lines},
        notes={line.line_id: line.note for line in payload.lines},
    )
    return _transfer_out(transfer)


# --- purchase orders -------------------------------------------------------------------------------------


@router.get("/purchase-orders", response={200: page_of(OrderOut), **ERRORS}, summary="Purchase orders")
def list_orders(request, params: Query[PageParams]):
    check_perm(request, "inventory.receive_stock", request.clinic)
    qs = PurchaseOrder.objects.filter(organization_id=request.clinic.organization_id, clinic=request.clinic)
    page = paginate(request, qs.prefetch_related("lines"), params)
    page["items"] = [_order_out(o) for o in page["items"]]
    return page


@router.post("/purchase-orders", response={201: OrderOut, **ERRORS}, summary="Place a purchase order")
def create_order(request, payload: OrderIn):
    check_perm(request, "inventory.receive_stock", request.clinic)
    lines = [
        (_item(request, line.item_id, f"lines.{n}.item_id"), line.quantity, line.unit_cost)
        for n, line in enumerate(payload.lines)
    ]
    order = services.create_purchase_order(
        request.clinic, _supplier(request, payload.supplier_id), lines, by=request.user
    )
    return Status(201, _order_out(order))


@router.post(
    "/purchase-orders/{order_id}/receive", response={200: OrderOut, **ERRORS}, summary="Receive a delivery"
)
def receive_order(request, order_id: str, payload: OrderReceiveIn):
    order = PurchaseOrder.objects.filter(
        organization_id=request.clinic.organization_id, clinic=request.clinic, pk=parse_id(order_id)
    ).first()
    if order is None:
        raise Http404
    check_perm(request, "inventory.receive_stock", request.clinic)
    arrivals = {
        line.line_id: services.Arrival(line.quantity, line.lot_number, line.expiry_date)
        for line in payload.lines
    }
    return _order_out(services.receive_purchase_order(order, arrivals, by=request.user))


# --- stocktakes ------------------------------------------------------------------------------------------


@router.get("/stocktakes", response={200: page_of(StocktakeOut), **ERRORS}, summary="Stocktakes")
def list_stocktakes(request, params: Query[PageParams]):
    check_perm(request, "inventory.adjust_stock", request.clinic)
    qs = Stocktake.objects.filter(organization_id=request.clinic.organization_id, clinic=request.clinic)
    page = paginate(request, qs.prefetch_related("lines"), params)
    page["items"] = [_stocktake_out(s) for s in page["items"]]
    return page


@router.post("/stocktakes", response={201: StocktakeOut, **ERRORS}, summary="Start a stocktake")
def create_stocktake(request):
    check_perm(request, "inventory.adjust_stock", request.clinic)
    return Status(201, _stocktake_out(services.start_stocktake(request.clinic, by=request.user)))


@router.post("/stocktakes/{stocktake_id}/post", response={200: StocktakeOut, **ERRORS}, summary="Post counts")
def post_stocktake(request, stocktake_id: str, payload: StocktakePostIn):
    stocktake = Stocktake.objects.filter(
        organization_id=request.clinic.organization_id, clinic=request.clinic, pk=parse_id(stocktake_id)
    ).first()
    if stocktake is None:
        raise Http404
    check_perm(request, "inventory.adjust_stock", request.clinic)
    line_ids = set(stocktake.lines.values_list("pk", flat=True))
    if any(c.line_id not in line_ids for c in payload.counts):
        raise ValidationError({"counts": _("That line is not on this stocktake.")})
    services.post_stocktake(stocktake, {c.line_id: c.counted for c in payload.counts}, by=request.user)
    stocktake.refresh_from_db()
    return _stocktake_out(stocktake)
