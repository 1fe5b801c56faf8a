import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from core.tenancy.models import Organization
from plugins.billing.models import Invoice, InvoiceStatus, PatientCredit, Payment, Refund, TaxRate


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_bills_both_organizations():
    call_command("seed_demo")
    with scopes_disabled():
        counts = (Invoice.objects.count(), Payment.objects.count(), TaxRate.objects.count())
    call_command("seed_demo")
    with scopes_disabled():
        assert (Invoice.objects.count(), Payment.objects.count(), TaxRate.objects.count()) == counts
        orgs = list(Organization.objects.filter(slug__in=["alpha-health", "beta-care"]))
    assert len(orgs) == 2
    for org in orgs:
        with scope(organization=org.pk):
            invoices = Invoice.objects.filter(organization=org)
            assert invoices.filter(status=InvoiceStatus.PAID).count() >= 5
            assert invoices.filter(status__in=["issued", "partly_paid"]).exists()
            dates = sorted(invoices.values_list("issue_date", flat=True))
            assert (dates[-1] - dates[0]).days >= 90
            # Credit from an overpayment used on a later invoice, and a credited invoice paid back.
            assert PatientCredit.objects.filter(organization=org, applied_to__isnull=False).exists()
            assert Refund.objects.filter(organization=org).exists()
