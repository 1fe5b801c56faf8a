"""A clinic's billing set up from its organization's country pack: the tax rates medical practices
there use, and the prefixes and yearly reset of its number series."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from core.compliance.packs import pack_for
from core.tenancy.models import Clinic

from ..models import SeriesKind, TaxRate

SERIES_PREFIX_KEY = {SeriesKind.INVOICE: "invoice_prefix", SeriesKind.CREDIT_NOTE: "credit_note_prefix"}


def series_defaults(clinic: Clinic, kind: str) -> dict:
    """The prefix and yearly reset a new series of ``kind`` starts with under the country pack."""
    pack = pack_for(clinic.organization)
    if pack is None:
        return {}
    numbering = pack.numbering
    defaults = {}
    if numbering.get(SERIES_PREFIX_KEY[kind]):
        defaults["prefix"] = numbering[SERIES_PREFIX_KEY[kind]]
    if "yearly_reset" in numbering:
        defaults["yearly_reset"] = bool(numbering["yearly_reset"])
    return defaults


@transaction.atomic
def add_country_tax_rates(clinic: Clinic) -> int:
    """Add the country pack's tax rates the clinic does not have yet (matched by name; two clicks at
    once meet the unique name constraint, which adds each rate once). Returns how many were missing."""
    pack = pack_for(clinic.organization)
    if pack is None:
        return 0
    mine = TaxRate.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
    names = set(mine.values_list("name", flat=True))
    has_default = set(mine.filter(active=True, is_default=True).values_list("applies_to", flat=True))
    missing = [
        TaxRate(
            organization_id=clinic.organization_id,
            clinic=clinic,
            name=rate["name"],
            rate=Decimal(rate["rate"]),
            exempt=bool(rate.get("exempt")),
            applies_to=rate.get("applies_to", "all"),
            # Never a second default for the same kind of line: the clinic's own choice stands.
            is_default=bool(rate.get("is_default")) and rate.get("applies_to", "all") not in has_default,
        )
        for rate in pack.tax_defaults
        if rate["name"] not in names
    ]
    TaxRate.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
