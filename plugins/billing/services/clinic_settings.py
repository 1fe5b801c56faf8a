"""A clinic's billing settings as the changes read them: its billing profile (the seller on every invoice)
and its tax rates."""

from __future__ import annotations

from django.db.models import QuerySet

from core.tenancy.models import Clinic

from ..models import AppliesTo, BillingProfile, LineKind, TaxRate


def billing_profile(clinic: Clinic) -> BillingProfile:
    """The clinic's billing profile, created under the clinic's name the first time (race-safe)."""
    profile = BillingProfile.objects.filter(organization_id=clinic.organization_id, clinic=clinic).first()
    if profile is None:
        BillingProfile.objects.bulk_create(
            [BillingProfile(organization_id=clinic.organization_id, clinic=clinic, legal_name=clinic.name)],
            ignore_conflicts=True,
        )
        profile = BillingProfile.objects.get(organization_id=clinic.organization_id, clinic=clinic)
    return profile


def active_tax_rates(clinic: Clinic) -> QuerySet[TaxRate]:
    return TaxRate.objects.filter(organization_id=clinic.organization_id, clinic=clinic, active=True)


def default_tax_rate(clinic: Clinic, kind: str = LineKind.FREE) -> TaxRate | None:
    """The clinic's default rate for a line of ``kind``: one marked default that applies to it."""
    wanted = AppliesTo.PRODUCTS if kind == LineKind.PRODUCT else AppliesTo.SERVICES
    rates = active_tax_rates(clinic).filter(is_default=True, applies_to__in=[wanted, AppliesTo.ALL])
    return rates.order_by("-applies_to").first()  # a specific rate wins over "everything"
