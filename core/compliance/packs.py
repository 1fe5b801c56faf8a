"""Country compliance packs: what the law of an organization's country asks of its invoices, its tax
rates, its number series, how long it keeps each class of record and what it tells patients of their
rights.

A pack is a JSON file in ``packs/`` named after the ISO country code, so a country is added by adding a
file, never by an ``if country == ...`` in the code. The code only knows the vocabulary the files use
(mention keys, record classes, tax-id formats); see docs/compliance.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

PACK_DIR = Path(__file__).resolve().parent / "packs"

# What an invoice may be required to state. A pack lists the keys its country requires; the invoice
# check (``core.compliance.invoices``) knows how to find each one on an invoice.
MENTIONS = {
    "seller_name": _("the seller's name"),
    "seller_address": _("the seller's address"),
    "seller_tax_id": _("the seller's tax number"),
    "buyer_name": _("the patient's name"),
    "buyer_address": _("the patient's address"),
    "supply_date": _("the date of the treatment"),
    "due_date": _("the payment date"),
    "late_payment_terms": _("the late-payment penalties and recovery indemnity"),
}

# Classes of record a retention rule may name; modules say which class each of their records belongs to.
RECORD_CLASSES = {
    "clinical_record": _("Clinical record"),
    "invoice": _("Invoices and payments"),
    "appointment": _("Appointments"),
    "contact": _("Contact details and preferences"),
}


# Demographics a pack may ask for beyond every record's own (the fields of core.patients.us_demographics).
ASKED_DEMOGRAPHICS = ("race", "ethnicity", "birth_sex")


@dataclass(frozen=True)
class Retention:
    years: int
    start: str  # "last_activity" or "end_of_year" (the year of the last activity ends first)
    law: str

    def kept_until(self, last_activity: date) -> date:
        """The first day the record may go, when its latest entry is dated ``last_activity``."""
        start = date(last_activity.year, 12, 31) if self.start == "end_of_year" else last_activity
        try:
            return start.replace(year=start.year + self.years)
        except ValueError:  # 29 February in a year that has none
            return start.replace(year=start.year + self.years, day=28)


@dataclass(frozen=True)
class CompliancePack:
    country: str
    version: str
    name: str
    language: str
    seller_tax_id_formats: tuple[str, ...]
    tax_id_help: str
    required_mentions: tuple[str, ...]
    small_invoice_limit: Decimal | None
    small_invoice_waives: tuple[str, ...]
    exemption_clause: dict[str, str]
    payment_terms: dict[str, str]
    tax_defaults: tuple[dict, ...]
    numbering: dict
    retention: dict[str, Retention]
    patient_rights: dict[str, str] = field(default_factory=dict)
    # Demographics the country's record standard asks for beyond the ones every record has (the US
    # asks for race, ethnicity and birth sex under USCDI); see core/patients/us_demographics.py.
    asked_demographics: tuple[str, ...] = ()

    @property
    def reference(self) -> str:
        """How an issued document names the pack it was checked against: ``DE/2026-01``."""
        return f"{self.country}/{self.version}"

    @property
    def rights_version(self) -> str:
        return self.patient_rights.get("version", self.reference)

    def text(self, texts: dict[str, str], language: str) -> str:
        """``texts`` in ``language`` (its base language), else the country's language, else English."""
        for candidate in (language, (language or "").split("-")[0], self.language, "en"):
            if candidate in texts:
                return texts[candidate]
        return ""

    def rights_text(self, language: str) -> str:
        return self.text({k: v for k, v in self.patient_rights.items() if k != "version"}, language)


def _parse(data: dict) -> CompliancePack:
    invoice = data["invoice"]
    unknown = set(invoice["required"]) - set(MENTIONS)
    if unknown:
        raise ValueError(f"{data['country']} pack names unknown mentions: {sorted(unknown)}")
    unknown = set(data["retention"]) - set(RECORD_CLASSES)
    if unknown:
        raise ValueError(f"{data['country']} pack names unknown record classes: {sorted(unknown)}")
    asked = tuple(data.get("patient", {}).get("demographics", ()))
    unknown = set(asked) - set(ASKED_DEMOGRAPHICS)
    if unknown:
        raise ValueError(f"{data['country']} pack names unknown demographics: {sorted(unknown)}")
    limit = invoice.get("small_invoice_limit")
    return CompliancePack(
        country=data["country"],
        version=data["version"],
        name=data["name"],
        language=data["language"],
        seller_tax_id_formats=tuple(data["tax_ids"]["seller"]),
        tax_id_help=data["tax_ids"].get("help", ""),
        required_mentions=tuple(invoice["required"]),
        small_invoice_limit=Decimal(limit) if limit is not None else None,
        small_invoice_waives=tuple(invoice.get("small_invoice_waives", ())),
        exemption_clause=dict(invoice.get("exemption_clause", {})),
        payment_terms=dict(invoice.get("payment_terms", {})),
        tax_defaults=tuple(data.get("tax_defaults", ())),
        numbering=dict(data.get("numbering", {})),
        retention={
            name: Retention(years=int(rule["years"]), start=rule["from"], law=rule.get("law", ""))
            for name, rule in data["retention"].items()
        },
        patient_rights=dict(data.get("patient_rights", {})),
        asked_demographics=asked,
    )


@cache
def all_packs() -> dict[str, CompliancePack]:
    """Every pack shipped, by upper-case ISO country code (read once per process)."""
    packs = {}
    for path in sorted(PACK_DIR.glob("*.json")):
        pack = _parse(json.loads(path.read_text(encoding="utf-8")))
        packs[pack.country] = pack
    return packs


def country_name(code: str) -> str:
    """The country's name in the active language (Babel's territory names)."""
    try:
        locale = Locale.parse(translation.get_language() or "en", sep="-")
    except (ValueError, UnknownLocaleError):
        locale = Locale("en")
    return locale.territories.get(code, code)


def country_choices() -> list[tuple[str, str]]:
    return [("", _("No country pack"))] + [(code, country_name(code)) for code in all_packs()]


def pack_for_country(country: str) -> CompliancePack | None:
    return all_packs().get((country or "").upper())


def pack_for(organization) -> CompliancePack | None:
    """The pack of the country ``organization`` picked, or None when it picked none."""
    return pack_for_country(getattr(organization, "country", ""))
