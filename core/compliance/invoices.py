"""What an invoice must state under its organization's country pack, checked when it is issued.

Billing hands over plain facts (the seller and buyer details it is about to freeze onto the invoice);
the pack says which mentions are mandatory and supplies the legal wording printed on the invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .packs import MENTIONS, CompliancePack, country_name
from .tax_ids import is_valid_tax_id


@dataclass(frozen=True)
class InvoiceFacts:
    seller_name: str
    seller_address: str
    seller_tax_id: str
    buyer_name: str
    buyer_address: str
    gross_total: Decimal
    supply_date: date | None
    due_date: date | None
    has_exempt_lines: bool
    language: str


def legal_mentions(pack: CompliancePack, facts: InvoiceFacts) -> list[str]:
    """The legal wording the invoice prints, in its language: the exemption clause when a line is
    exempt from tax, the late-payment terms where the country requires them."""
    texts = []
    if facts.has_exempt_lines and pack.exemption_clause:
        texts.append(pack.text(pack.exemption_clause, facts.language))
    if pack.payment_terms:
        texts.append(pack.text(pack.payment_terms, facts.language))
    return [t for t in texts if t]


def _present(key: str, pack: CompliancePack, facts: InvoiceFacts) -> bool:
    if key == "late_payment_terms":
        return bool(pack.payment_terms)
    if key == "seller_tax_id":
        return bool(facts.seller_tax_id.strip()) and is_valid_tax_id(pack, facts.seller_tax_id.strip())
    return bool(str(getattr(facts, key) or "").strip())


def missing_mentions(pack: CompliancePack, facts: InvoiceFacts) -> list[str]:
    """Keys of the mandatory mentions ``facts`` lack. A small invoice (at or under the pack's limit)
    is let off the mentions the country waives for it."""
    small = pack.small_invoice_limit is not None and facts.gross_total <= pack.small_invoice_limit
    waived = set(pack.small_invoice_waives) if small else set()
    return [k for k in pack.required_mentions if k not in waived and not _present(k, pack, facts)]


def check_invoice(pack: CompliancePack, facts: InvoiceFacts) -> list[str]:
    """The legal mentions to print, or ``ValidationError`` saying which mandatory mentions are missing
    (and where to fill them in), so that no invoice leaves without what its country requires."""
    missing = missing_mentions(pack, facts)
    if missing:
        raise ValidationError(
            _(
                "This invoice cannot be issued: the law of %(country)s requires %(mentions)s. "
                "Complete the clinic's billing settings or the patient's details, then issue again."
            ),
            params={
                "country": _country(pack),
                "mentions": ", ".join(str(MENTIONS[k]) for k in missing),
            },
            code="missing_mention",
        )
    return legal_mentions(pack, facts)


def _country(pack: CompliancePack) -> str:
    return country_name(pack.country)


__all__ = ["InvoiceFacts", "check_invoice", "legal_mentions", "missing_mentions"]
