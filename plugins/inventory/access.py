"""The road from an id in an address to an inventory record, for the office pages and the API alike.

Each ``access_<thing>`` looks the record up within the acting member's organization (and, for records of
one clinic, within the clinic being worked in), answers the same 404 for "missing" and "not yours", and
then checks the one permission the record asks for (403). The API turns both into its JSON error body.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from core.tenancy.access import parse_id, require_member

from .models import Item, PurchaseOrder, Stocktake, Supplier, Transfer


def _access(request: HttpRequest, queryset: QuerySet, pk: object, permission: str, for_update: bool):
    member = require_member(request)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    record = queryset.filter(organization_id=member.organization.pk, pk=parse_id(pk)).first()
    if record is None:
        raise Http404
    if not request.user.has_perm(permission, record):
        raise PermissionDenied
    return record


def access_item(
    request: HttpRequest, pk: object, *, permission: str = "inventory.view_catalog", for_update: bool = False
) -> Item:
    """A catalog item of the organization; ``permission`` is what the page or operation does with it."""
    return _access(request, Item.objects.select_related("supplier"), pk, permission, for_update)


def access_supplier(
    request: HttpRequest, pk: object, *, permission: str = "inventory.view_catalog", for_update: bool = False
) -> Supplier:
    """A supplier of the organization's catalog."""
    return _access(request, Supplier.objects.all(), pk, permission, for_update)


def access_transfer(request: HttpRequest, pk: object, *, for_update: bool = False) -> Transfer:
    """A transfer leaving or reaching the clinic being worked in, for someone who may see its stock."""
    clinic = request.clinic
    transfers = Transfer.objects.filter(Q(source=clinic) | Q(destination=clinic)).select_related(
        "source", "destination"
    )
    return _access(request, transfers, pk, "inventory.view_stock", for_update)


def access_incoming_transfer(request: HttpRequest, pk: object, *, for_update: bool = False) -> Transfer:
    """A transfer arriving at the clinic being worked in, for someone who may receive it there."""
    transfers = Transfer.objects.filter(destination=request.clinic).select_related("source", "destination")
    return _access(request, transfers, pk, "inventory.transfer_stock", for_update)


def access_purchase_order(request: HttpRequest, pk: object, *, for_update: bool = False) -> PurchaseOrder:
    """A purchase order of the clinic being worked in, for someone who may receive stock there."""
    orders = PurchaseOrder.objects.filter(clinic=request.clinic).select_related("supplier")
    return _access(request, orders, pk, "inventory.receive_stock", for_update)


def access_stocktake(request: HttpRequest, pk: object, *, for_update: bool = False) -> Stocktake:
    """A stocktake of the clinic being worked in, for someone who may adjust stock there."""
    stocktakes = Stocktake.objects.filter(clinic=request.clinic)
    return _access(request, stocktakes, pk, "inventory.adjust_stock", for_update)
