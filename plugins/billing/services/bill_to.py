"""The company billed for a draft instead of the patient (an employer, an insurer paying directly): its
name, postal address, country and VAT number. Issuing freezes it onto the invoice as its buyer's company;
a clinic that issues Factur-X invoices then issues this one as a Factur-X invoice."""

from __future__ import annotations

from babel import Locale
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.compliance.tax_ids import check_vat_id

from ..models import Invoice
from .invoice_state import lock_invoice, require_draft


def _country(value: str) -> str:
    code = (value or "").strip().upper()
    if code and not (len(code) == 2 and code.isalpha() and code in Locale("en").territories):
        raise ValidationError({"country": _("Enter a two-letter country code, e.g. DE or FR.")})
    return code


@transaction.atomic
def set_bill_to(
    invoice: Invoice, *, name: str, address: str = "", country: str = "", vat_id: str = ""
) -> Invoice:
    """Bill the draft to a company, or to the patient again when ``name`` is empty (the rest is then
    dropped). The VAT number, when given, must be a valid EU VAT number with its country prefix."""
    invoice = lock_invoice(invoice)
    require_draft(invoice)
    name = (name or "").strip()[:200]
    if not name:
        invoice.bill_to = {}
    else:
        errors = {}
        try:
            country = _country(country)
        except ValidationError as error:
            errors.update(error.message_dict)
        try:
            vat_id = check_vat_id(vat_id)
        except ValidationError as error:
            errors["vat_id"] = error.messages
        if errors:
            raise ValidationError(errors)
        invoice.bill_to = {
            "name": name,
            "address": (address or "").strip()[:1000],
            "country": country,
            "vat_id": vat_id,
        }
    invoice.save(update_fields=["bill_to"])
    return invoice
