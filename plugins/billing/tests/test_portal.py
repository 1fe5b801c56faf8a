"""The patient's invoices in the portal: the account menu entry, "my invoices" across the organizations the
login is a patient of, an invoice's page and its PDF; everyone else's invoices, drafts, and clinics where
billing is off answer 404; visitors who are not signed in go to the portal's sign-in."""

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from core.tenancy.models import ClinicModule
from plugins.billing.models import InvoicePdf, PdfState
from plugins.billing.services.drafts import create_draft
from plugins.billing.services.issuing import issue
from plugins.billing.services.lines import add_line
from plugins.billing.services.payments import record_payment
from tests.factories import link_patient_login, make_patient, make_user

from .conftest import draft_with_line, only_our_modules

pytestmark = pytest.mark.django_db


def portal(clinic, tail=""):
    return f"/c/{clinic.slug}/account/billing/{tail}"


@pytest.fixture
def patient_login(bill, beta):
    """A login that is bill's patient and also a patient of beta's organization, each with invoices."""
    user = make_user("pia@patients.test")
    with scope(organization=bill.org.pk):
        link_patient_login(bill.patient, user)
        issued = issue(draft_with_line(bill, price="80.00", description="Physiotherapy"))
        record_payment(issued, amount="30", method="card")
        record_payment(issued, amount="20", method="cash")
        draft = draft_with_line(bill, price="10.00", description="Unbilled draft")
        other_patient = make_patient(bill.clinic, "Otto", "Other")
        others = create_draft(clinic=bill.clinic, patient=other_patient)
        add_line(others, description="Other's visit", quantity="1", unit_price="99")
        others = issue(others)
    with scopes_disabled():
        only_our_modules(beta)
    with scope(organization=beta.org.pk):
        link_patient_login(beta.patient, user)
        elsewhere = issue(draft_with_line(beta, price="45.00", description="Dental check"))
    client = Client()
    client.force_login(user)
    return client, {
        "issued": issued,
        "draft": draft,
        "others": others,
        "elsewhere": elsewhere,
    }


def test_my_invoices_lists_issued_invoices_grouped_per_organization(bill, beta, patient_login):
    client, invoices = patient_login
    response = client.get(portal(bill.clinic))
    assert response.status_code == 200
    text = response.content.decode()
    issued = invoices["issued"]
    # This clinic's organization first, then the other one the login is a patient of.
    assert text.index(bill.org.name) < text.index(beta.org.name)
    assert f'data-invoice="{issued.pk}"' in text and issued.number in text
    assert "€30.00" in text and "Partly paid" in text  # amount due, status
    assert f'data-invoice="{invoices["elsewhere"].pk}"' in text
    assert f"/c/{beta.clinic.slug}/account/billing/invoices/{invoices['elsewhere'].pk}/" in text
    for hidden in ("draft", "others"):
        assert f'data-invoice="{invoices[hidden].pk}"' not in text, hidden
    assert "Other&#x27;s visit" not in text and "Otto" not in text
    # The account menu names the page.
    assert f'href="/c/{bill.clinic.slug}/account/billing/">My invoices</a>' in text
    assert "of credit" not in text
    with scope(organization=bill.org.pk):
        overpaid = issue(draft_with_line(bill, price="10.00"))
        record_payment(overpaid, amount="15", method="cash")
    text = client.get(portal(bill.clinic)).content.decode()
    assert f"You have €5.00 of credit at {bill.clinic.name}" in text
    detail = client.get(portal(bill.clinic, f"invoices/{overpaid.pk}/")).content.decode()
    assert "€5.00 kept as your credit" in detail


def test_invoice_page_and_pdf_of_ones_own_invoice(bill, patient_login):
    client, invoices = patient_login
    issued = invoices["issued"]
    page = client.get(portal(bill.clinic, f"invoices/{issued.pk}/"))
    assert page.status_code == 200
    text = page.content.decode()
    assert issued.number in text and "Physiotherapy" in text
    assert text.count("data-payment") == 2 and "€20.00" in text
    with scope(organization=bill.org.pk):
        # The background rendering has not stored the PDF yet: the download renders it on request.
        assert InvoicePdf.objects.get(invoice=issued).state == PdfState.PENDING
    pdf = client.get(portal(bill.clinic, f"invoices/{issued.pk}/pdf/"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert f'filename="{issued.number}.pdf"' in pdf["Content-Disposition"]
    with scope(organization=bill.org.pk):
        assert InvoicePdf.objects.get(invoice=issued).state == PdfState.READY


def test_everyone_elses_invoices_and_drafts_are_404(bill, beta, patient_login):
    client, invoices = patient_login
    for name in ("draft", "others", "elsewhere"):
        for tail in ("", "pdf/"):
            url = portal(bill.clinic, f"invoices/{invoices[name].pk}/{tail}")
            assert client.get(url).status_code == 404, (name, url)
    # Another organization's invoice is reached only at its own clinic's portal.
    assert client.get(portal(beta.clinic, f"invoices/{invoices['elsewhere'].pk}/")).status_code == 200
    assert client.get(portal(beta.clinic, f"invoices/{invoices['issued'].pk}/")).status_code == 404
    for bad in ("abc", "-1", "99999999999999999999"):
        assert client.get(portal(bill.clinic, f"invoices/{bad}/")).status_code == 404
    # A member of staff is not the patient.
    staff = Client()
    staff.force_login(bill.staff)
    assert staff.get(portal(bill.clinic, f"invoices/{invoices['issued'].pk}/")).status_code == 404


def test_anonymous_goes_to_portal_sign_in_and_module_off_is_404(bill, patient_login):
    client, invoices = patient_login
    url = portal(bill.clinic, f"invoices/{invoices['issued'].pk}/pdf/")
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/c/{bill.clinic.slug}/account/login/?next=")
    with scope(organization=bill.org.pk):
        ClinicModule.objects.update_or_create(
            organization=bill.org, clinic=bill.clinic, module="billing", defaults={"enabled": False}
        )
    assert client.get(portal(bill.clinic)).status_code == 404
    assert client.get(url).status_code == 404
    # The menu entry goes with the module.
    profile = client.get(f"/c/{bill.clinic.slug}/account/").content.decode()
    assert "My invoices" not in profile


def test_my_invoices_query_count_does_not_grow_with_invoices(
    bill, patient_login, django_assert_max_num_queries
):
    client, _invoices = patient_login
    client.get(portal(bill.clinic))
    with django_assert_max_num_queries(40) as first:
        client.get(portal(bill.clinic))
    with scope(organization=bill.org.pk):
        for _ in range(5):
            invoice = issue(draft_with_line(bill, price="10.00"))
            record_payment(invoice, amount="10", method="cash")
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(portal(bill.clinic)).status_code == 200
