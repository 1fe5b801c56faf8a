"""What the other modules offer to bill (their ``clinic_billable_items``), and invoice lines made of it."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from core.plugins.types import BillableItem
from core.tenancy.models import Clinic
from core.tenancy.modules import clinic_hook

from ..models import BILLED_ONCE_KINDS, Invoice, InvoiceLine, LineKind
from .clinic_settings import active_tax_rates
from .lines import add_line, already_billed_message


def find_billable_items(clinic: Clinic, query: str) -> list[BillableItem]:
    """What the modules that are on at ``clinic`` offer for ``query`` (their ``clinic_billable_items``)."""
    query = (query or "").strip()[:100]
    if not query:
        return []
    items: list[BillableItem] = []
    for contributed in clinic_hook(clinic, "clinic_billable_items")(clinic=clinic, query=query):
        items.extend(item for item in (contributed or []) if isinstance(item, BillableItem))
    return items[:50]


def billable_item(clinic: Clinic, kind: str, reference: str) -> BillableItem | None:
    """The one item a module answers for ``kind:reference`` (e.g. ``appointment:12``)."""
    for item in find_billable_items(clinic, f"{kind}:{reference}"):
        if item.kind == kind and str(item.reference) == str(reference):
            return item
    return None


def add_billable_item(invoice: Invoice, item: BillableItem, quantity: Decimal | int | str = 1) -> InvoiceLine:
    """A line made from a module's billable item; an appointment already on a live invoice is refused.

    The question asked here only gives the early answer; the unique index on the lines' claimed sources
    is what refuses the second of two requests that ask it at the same time (``add_line``)."""
    kind = item.kind if item.kind in LineKind.values else LineKind.SERVICE
    if (
        kind in BILLED_ONCE_KINDS
        and InvoiceLine.objects.filter(
            organization_id=invoice.organization_id,
            kind=kind,
            reference=str(item.reference),
            claims_source=True,
        ).exists()
    ):
        raise ValidationError(already_billed_message())
    tax_rate = None
    if item.tax_rate is not None:
        tax_rate = active_tax_rates(invoice.clinic).filter(rate=item.tax_rate).first()
    return add_line(
        invoice,
        description=str(item.label),
        quantity=quantity,
        unit_price=item.unit_price,
        tax_rate=tax_rate,
        kind=kind,
        reference=str(item.reference),
        currency=item.currency,
    )
