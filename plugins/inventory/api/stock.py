"""Stock operations at the clinic: levels, the movement history, and receiving, dispensing,
adjusting and writing off."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from core.api.common import PageParams, page_of, paginate
from core.api.schemas import StrictSchema
from core.api.types import BoundedDate
from core.patients.selectors import visible_patient
from core.tenancy.access import check_perm

from .. import selectors
from ..models import MovementKind
from ..services import adjustments, dispensing, receiving
from .choices import chosen_item, chosen_lot
from .responses import ERRORS

router = Router()


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
    date_from: BoundedDate | None = None
    date_to: BoundedDate | None = None


class ReceiveIn(StrictSchema):
    item_id: int
    quantity: Decimal = Field(gt=0, max_digits=14, decimal_places=3)
    lot_number: str = Field(default="", max_length=64)
    expiry_date: BoundedDate | None = None
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


@router.get("/stock", response={200: list[LevelOut], **ERRORS}, summary="Stock on hand at this clinic")
def stock_levels(request: HttpRequest) -> list[dict]:
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
def list_movements(request: HttpRequest, filters: Query[MovementQuery]) -> dict:
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
def receive(request: HttpRequest, payload: ReceiveIn) -> Status:
    check_perm(request, "inventory.receive_stock", request.clinic)
    item = chosen_item(request, payload.item_id)
    movement = receiving.receive(
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
def dispense(request: HttpRequest, payload: DispenseIn) -> Status:
    check_perm(request, "inventory.dispense_stock", request.clinic)
    patient = None
    if payload.patient_id is not None:
        patient = visible_patient(request.member, payload.patient_id) if payload.patient_id > 0 else None
        if patient is None:
            raise ValidationError({"patient_id": _("Choose one of your patients.")})
    lines = []
    for n, line in enumerate(payload.lines):
        item = chosen_item(request, line.item_id, f"lines.{n}.item_id")
        lines.append(
            dispensing.DispenseLine(
                item, line.quantity, chosen_lot(request, line.lot_id, item, f"lines.{n}.lot_id")
            )
        )
    movements = dispensing.dispense(
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
def adjust(request: HttpRequest, payload: AdjustIn) -> Status:
    check_perm(request, "inventory.adjust_stock", request.clinic)
    item = chosen_item(request, payload.item_id)
    return Status(
        201,
        adjustments.adjust(
            request.clinic,
            item,
            payload.quantity,
            payload.reason,
            by=request.user,
            lot=chosen_lot(request, payload.lot_id, item),
        ),
    )


@router.post("/write-off", response={201: MovementOut, **ERRORS}, summary="Write off stock with a reason")
def write_off(request: HttpRequest, payload: WriteOffIn) -> Status:
    check_perm(request, "inventory.adjust_stock", request.clinic)
    item = chosen_item(request, payload.item_id)
    return Status(
        201,
        adjustments.write_off(
            request.clinic,
            item,
            payload.quantity,
            payload.reason,
            by=request.user,
            lot=chosen_lot(request, payload.lot_id, item),
        ),
    )
