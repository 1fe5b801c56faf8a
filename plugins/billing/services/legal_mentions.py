"""The legal mentions an invoice carries under its organization's country pack, checked at issue: an
invoice missing one the country requires is refused before it takes a number."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.compliance.invoices import InvoiceFacts, check_invoice
from core.compliance.packs import pack_for
from core.tenancy.models import Clinic


def check_mentions(
    clinic: Clinic,
    *,
    seller: dict,
    buyer: dict,
    lines: list,
    gross: Decimal,
    supply_date: date | None,
    due_date: date | None,
    language: str,
) -> dict:
    """What to add to the frozen seller details: the legal wording to print and the pack (country and
    version) the invoice was checked against. Raises ``ValidationError`` naming what is missing. An
    organization that picked no country is checked against nothing."""
    pack = pack_for(clinic.organization)
    if pack is None:
        return {}
    facts = InvoiceFacts(
        seller_name=seller.get("name", ""),
        seller_address=seller.get("address", ""),
        seller_tax_id=seller.get("tax_id", ""),
        buyer_name=buyer.get("name", ""),
        buyer_address=buyer.get("address", ""),
        gross_total=gross,
        supply_date=supply_date,
        due_date=due_date,
        has_exempt_lines=any(line.tax_exempt for line in lines),
        language=language,
    )
    return {"legal_mentions": check_invoice(pack, facts), "compliance_pack": pack.reference}
