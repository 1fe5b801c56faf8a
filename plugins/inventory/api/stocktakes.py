"""Stocktake operations: listing, starting one, and posting its counts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from core.api.common import PageParams, page_of, paginate
from core.api.schemas import StrictSchema
from core.tenancy.access import check_perm

from ..access import access_stocktake
from ..models import Stocktake
from ..services import stocktakes
from .responses import ERRORS

router = Router()


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


def _stocktake_out(s: Stocktake) -> dict:
    return {
        **{f: getattr(s, f) for f in ("id", "clinic_id", "status", "created_at", "posted_at")},
        "lines": list(s.lines.all()),
    }


@router.get("/stocktakes", response={200: page_of(StocktakeOut), **ERRORS}, summary="Stocktakes")
def list_stocktakes(request: HttpRequest, params: Query[PageParams]) -> dict:
    check_perm(request, "inventory.adjust_stock", request.clinic)
    qs = Stocktake.objects.filter(organization_id=request.clinic.organization_id, clinic=request.clinic)
    page = paginate(request, qs.prefetch_related("lines"), params)
    page["items"] = [_stocktake_out(s) for s in page["items"]]
    return page


@router.post("/stocktakes", response={201: StocktakeOut, **ERRORS}, summary="Start a stocktake")
def create_stocktake(request: HttpRequest) -> Status:
    check_perm(request, "inventory.adjust_stock", request.clinic)
    return Status(201, _stocktake_out(stocktakes.start_stocktake(request.clinic, by=request.user)))


@router.post("/stocktakes/{stocktake_id}/post", response={200: StocktakeOut, **ERRORS}, summary="Post counts")
def post_stocktake(request: HttpRequest, stocktake_id: str, payload: StocktakePostIn) -> dict:
    stocktake = access_stocktake(request, stocktake_id)
    line_ids = set(stocktake.lines.values_list("pk", flat=True))
    if any(c.line_id not in line_ids for c in payload.counts):
        raise ValidationError({"counts": _("That line is not on this stocktake.")})
    stocktakes.post_stocktake(stocktake, {c.line_id: c.counted for c in payload.counts}, by=request.user)
    stocktake.refresh_from_db()
    return _stocktake_out(stocktake)
