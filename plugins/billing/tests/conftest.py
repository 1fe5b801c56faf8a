from decimal import Decimal

import pytest

from plugins.billing.models import AppliesTo, TaxRate
from plugins.billing.services.drafts import create_draft
from plugins.billing.services.lines import add_line
from tests.conftest import alpha, beta, login  # noqa: F401


@pytest.fixture
def bill(alpha):  # noqa: F811
    """Alpha's first clinic billing in EUR with a 19 % and a 7 % rate and an exempt default for services."""
    clinic = alpha.clinic
    clinic.currency = "EUR"
    clinic.timezone = "Europe/Berlin"
    clinic.save()
    org = alpha.org
    only_our_modules(alpha)
    alpha.vat19 = TaxRate.objects.create(
        organization=org, clinic=clinic, name="VAT", rate=Decimal("19"), applies_to=AppliesTo.PRODUCTS
    )
    alpha.vat7 = TaxRate.objects.create(
        organization=org, clinic=clinic, name="Reduced VAT", rate=Decimal("7"), applies_to=AppliesTo.ALL
    )
    alpha.exempt = TaxRate.objects.create(
        organization=org,
        clinic=clinic,
        name="Medical",
        rate=Decimal("0"),
        applies_to=AppliesTo.SERVICES,
        exempt=True,
        is_default=True,
    )
    return alpha


def only_our_modules(tenant):
    """Switch off other modules' listeners (e.g. stock checks on issue) so these tests see billing alone."""
    from core.plugins.manager import registry
    from core.tenancy.models import ClinicModule

    for clinic in tenant.clinics:
        for slug in registry().modules:
            if slug not in ("billing", "scheduling"):
                ClinicModule.objects.get_or_create(
                    organization=tenant.org, clinic=clinic, module=slug, defaults={"enabled": False}
                )


def draft_with_line(tenant, price="100.00", quantity="1", clinic=None, **line):
    clinic = clinic or tenant.clinic
    invoice = create_draft(clinic=clinic, patient=tenant.patient, by=tenant.owner)
    add_line(
        invoice,
        description=line.pop("description", "Consultation"),
        quantity=quantity,
        unit_price=price,
        **line,
    )
    invoice.refresh_from_db()
    return invoice
