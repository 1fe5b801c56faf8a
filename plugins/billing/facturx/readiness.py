"""At issue: whether the invoice becomes a Factur-X invoice, and the frozen details its XML is written from.
EN 16931 asks more of an invoice than a patient's receipt needs (the seller's VAT registration, countries
as codes, the reason of each tax exemption), so a missing one refuses the issue before a number is taken."""

from __future__ import annotations

from importlib import import_module

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.eu import vat as eu_vat

from core.compliance.packs import pack_for
from core.tenancy.models import Clinic

from ..models import BillingProfile

# Numbers given by a tax office that are no VAT number but register the seller for VAT all the same
# (EN 16931 BT-32, scheme "FC"), by python-stdnum format.
TAX_OFFICE_FORMATS = ("de.stnr",)

REQUIREMENTS = {
    "seller_tax_registration": gettext_lazy("the clinic's VAT number or tax office number"),
    "seller_country": gettext_lazy("the clinic's country"),
    "company_address": gettext_lazy("the address of the company billed"),
    "company_country": gettext_lazy("the country of the company billed"),
    "exemption_reason": gettext_lazy("the legal reason of the tax exemption"),
}


def tax_registration(tax_id: str) -> list[str] | None:
    """``[scheme, number]`` of the seller's tax id as EN 16931 names it: "VA" for a VAT number (compact,
    with its country prefix), "FC" for a tax office number; None for any other number (a SIRET)."""
    value = (tax_id or "").strip()
    if not value:
        return None
    if eu_vat.is_valid(value):
        return ["VA", eu_vat.compact(value)]
    for name in TAX_OFFICE_FORMATS:
        if import_module(f"stdnum.{name}").is_valid(value):
            return ["FC", value]
    return None


def _seller_postal(clinic: Clinic, profile: BillingProfile) -> dict:
    """The clinic's address in parts when the billing profile gives none of its own, else its lines."""
    country = (clinic.country or clinic.organization.country or "").upper()
    if profile.address.strip():
        lines = [line.strip() for line in profile.address.splitlines() if line.strip()]
        return {"lines": lines, "postcode": "", "city": "", "country": country}
    lines = [line for line in (clinic.address_line1, clinic.address_line2) if line.strip()]
    return {"lines": lines, "postcode": clinic.postal_code, "city": clinic.city, "country": country}


def _exemption_reason(clinic: Clinic, lines: list, language: str) -> str:
    """The legal wording of the exemption the country pack prints, else the exempt tax rate's name (which
    the clinic names after its law, e.g. "Heilbehandlung (§ 4 Nr. 14 UStG)")."""
    pack = pack_for(clinic.organization)
    if pack is not None and pack.exemption_clause:
        text = pack.text(pack.exemption_clause, language)
        if text:
            return text
    return next((line.tax_name for line in lines if line.tax_exempt and line.tax_name.strip()), "")


def facturx_details(
    clinic: Clinic, profile: BillingProfile, *, company: dict, lines: list, language: str
) -> dict | None:
    """What to freeze on the seller for the XML, or None when the invoice is a plain one (the clinic did
    not ask for Factur-X, or no company is billed). Raises ``ValidationError`` naming what is missing."""
    if not profile.facturx or not (company or {}).get("name"):
        return None
    registration = tax_registration(profile.tax_id)
    postal = _seller_postal(clinic, profile)
    reason = _exemption_reason(clinic, lines, language) if any(line.tax_exempt for line in lines) else ""
    missing = []
    if registration is None:
        missing.append("seller_tax_registration")
    if not postal["country"]:
        missing.append("seller_country")
    if not str(company.get("address", "")).strip():
        missing.append("company_address")
    if not company.get("country"):
        missing.append("company_country")
    if any(line.tax_exempt for line in lines) and not reason:
        missing.append("exemption_reason")
    if missing:
        raise ValidationError(
            _(
                "This invoice cannot be issued as a Factur-X invoice: EN 16931 requires %(missing)s. "
                "Complete the clinic's billing settings or the company billed, then issue again."
            ),
            params={"missing": ", ".join(str(REQUIREMENTS[key]) for key in missing)},
            code="facturx_incomplete",
        )
    return {"postal": postal, "tax_registration": registration, "exemption_reason": reason}
