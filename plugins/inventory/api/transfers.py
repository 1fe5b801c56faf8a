"""Transfer operations: listing, sending stock to another clinic, and receiving it there."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from core.api.common import PageParams, page_of, paginate
from core.api.schemas import StrictSchema
from core.tenancy.access import check_perm
from core.tenancy.models import Clinic

from ..access import access_incoming_transfer
from ..models import Transfer
from ..services import transfers
from .choices import chosen_item, chosen_lot
from .responses import ERRORS

router = Router()


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


def _transfer_out(t: Transfer) -> dict:
    return {
        **{
            f: getattr(t, f)
            for f in ("id", "source_id", "destination_id", "status", "note", "sent_at", "received_at")
        },
        "lines": list(t.lines.all()),
    }


@router.get(
    "/transfers", response={200: page_of(TransferOut), **ERRORS}, summary="Transfers from or to this clinic"
)
def list_transfers(request: HttpRequest, params: Query[PageParams]) -> dict:
    check_perm(request, "inventory.view_stock", request.clinic)
    clinic = request.clinic
    qs = Transfer.objects.filter(organization_id=clinic.organization_id).filter(
        Q(source=clinic) | Q(destination=clinic)
    )
    page = paginate(request, qs.prefetch_related("lines").order_by("-sent_at", "-id"), params)
    page["items"] = [_transfer_out(t) for t in page["items"]]
    return page


@router.post("/transfers", response={201: TransferOut, **ERRORS}, summary="Send stock to another clinic")
def create_transfer(request: HttpRequest, payload: TransferIn) -> Status:
    source = request.clinic
    check_perm(request, "inventory.transfer_stock", source)
    destination = Clinic.objects.filter(
        organization_id=source.organization_id, pk=payload.destination_id
    ).first()
    if destination is None:
        raise ValidationError({"destination_id": _("Choose a clinic of this organization.")})
    lines = []
    for n, line in enumerate(payload.lines):
        item = chosen_item(request, line.item_id, f"lines.{n}.item_id")
        lines.append(
            transfers.TransferItem(
                item, line.quantity, chosen_lot(request, line.lot_id, item, f"lines.{n}.lot_id")
            )
        )
    check_perm(request, "inventory.transfer_stock", destination)
    if payload.one_step:
        transfer = transfers.transfer_now(source, destination, lines, by=request.user, note=payload.note)
    else:
        transfer = transfers.send_transfer(source, destination, lines, by=request.user, note=payload.note)
    return Status(201, _transfer_out(transfer))


@router.post(
    "/transfers/{transfer_id}/receive", response={200: TransferOut, **ERRORS}, summary="Receive a transfer"
)
def receive_transfer(request: HttpRequest, transfer_id: str, payload: TransferReceiveIn) -> dict:
    transfer = access_incoming_transfer(request, transfer_id)
    line_ids = set(transfer.lines.values_list("pk", flat=True))
    if any(line.line_id not in line_ids for line in payload.lines):
        raise ValidationError({"lines": _("That line is not on this transfer.")})
    transfer = transfers.receive_transfer(
        transfer,
        by=request.user,
        received={line.line_id: line.quantity_received for line in payload.lines},
        notes={line.line_id: line.note for line in payload.lines},
    )
    return _transfer_out(transfer)
