from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from plugins.billing.models import Invoice, InvoiceStatus
from plugins.billing.services.drafts import create_draft
from plugins.billing.services.issuing import issue
from plugins.billing.services.lines import add_line
from plugins.billing.services.numbering import ensure_series

from .conftest import draft_with_line

pytestmark = pytest.mark.django_db


def url(tenant, tail=""):
    return f"/office/c/{tenant.clinic.slug}/billing/{tail}"


def test_staff_drafts_adds_lines_issues_and_takes_payment(bill, login):
    client = login(bill.staff)
    response = client.post(url(bill, "invoices/new/"), {"patient": bill.patient.pk})
    assert response.status_code == 302
    with scope(organization=bill.org.pk):
        invoice = Invoice.objects.get()
    detail = url(bill, f"invoices/{invoice.pk}/")
    response = client.post(
        detail + "lines/", {"description": "", "quantity": "0", "unit_price": "10", "kind": "free"}
    )
    assert response.status_code == 400
    response = client.post(
        detail + "lines/",
        {
            "description": "Gel",
            "quantity": "2",
            "unit_price": "10",
            "kind": "product",
            "tax_rate": bill.vat19.pk,
        },
    )
    assert response.status_code == 302
    assert client.post(detail + "issue/").status_code == 302
    with scope(organization=bill.org.pk):
        invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.gross_total == Decimal("23.80")
    page = client.get(detail)
    assert invoice.number.encode() in page.content
    response = client.post(
        detail + "payments/", {"amount": "30", "method": "cash", "date": invoice.issue_date}
    )
    assert response.status_code == 302
    page = client.get(detail, follow=True)
    assert b"credit" in page.content
    with scope(organization=bill.org.pk):
        invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    response = client.post(detail + "credit-note/", {"reason": "Returned", "full": "on"})
    assert response.status_code == 302
    pdf = client.get(detail + "pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_practitioner_may_draft_but_not_issue_and_sees_own_only(bill, login):
    with scope(organization=bill.org.pk):
        others = draft_with_line(bill)
        own = create_draft(
            clinic=bill.clinic, patient=bill.patient, practitioner=bill.memberships["practitioner"]
        )
        add_line(own, description="Visit", quantity="1", unit_price="10")
    client = login(bill.practitioner)
    assert client.get(url(bill, f"invoices/{own.pk}/")).status_code == 200
    assert client.get(url(bill, f"invoices/{others.pk}/")).status_code == 403
    assert client.post(url(bill, f"invoices/{own.pk}/issue/")).status_code == 403
    listing = client.get(url(bill))
    assert f'data-invoice="{own.pk}"'.encode() in listing.content
    assert f'data-invoice="{others.pk}"'.encode() not in listing.content
    assert client.get(url(bill, "outstanding/")).status_code == 403
    assert client.get(url(bill, "settings/")).status_code == 403


def test_staff_of_other_clinic_is_refused(bill, login):
    other = bill.clinics[1]
    with scope(organization=bill.org.pk):
        invoice = create_draft(clinic=other, patient=bill.patient)
    client = login(bill.staff)
    assert client.get(f"/office/c/{other.slug}/billing/invoices/{invoice.pk}/").status_code == 404


def test_other_organization_gets_404(bill, beta, login):
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill))
    client = login(beta.owner)
    for tail in ["", f"invoices/{invoice.pk}/", f"invoices/{invoice.pk}/pdf/", "outstanding/"]:
        assert client.get(url(bill, tail)).status_code == 404
    # Beta's own clinic does not reveal Alpha's invoice either.
    assert client.get(f"/office/c/{beta.clinic.slug}/billing/invoices/{invoice.pk}/").status_code == 404


def test_list_and_outstanding_query_counts(bill, login, django_assert_max_num_queries):
    with scope(organization=bill.org.pk):
        for _ in range(12):
            issue(draft_with_line(bill))
    client = login(bill.owner)
    client.get(url(bill))
    with django_assert_max_num_queries(22):
        assert client.get(url(bill)).status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(url(bill, "outstanding/?page=1")).status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get("/office/").status_code == 200


def test_settings_page_saves_series_and_tax_rates(bill, login):
    client = login(bill.owner)
    assert client.get(url(bill, "settings/")).status_code == 200
    response = client.post(
        url(bill, "settings/"), {"form": "invoice", "invoice-prefix": "DT", "invoice-yearly_reset": ""}
    )
    assert response.status_code == 302
    response = client.post(
        url(bill, "settings/"),
        {
            "form": "rate",
            "rate-name": "VAT",
            "rate-rate": "19",
            "rate-applies_to": "all",
            "rate-active": "on",
        },
    )
    assert response.status_code == 400  # name taken
    # Renaming a rate to another's name is refused the same way, by the constraint behind the check.
    response = client.post(
        url(bill, "settings/"),
        {
            "form": "rate",
            "rate": bill.vat7.pk,
            "rate-name": "VAT",
            "rate-rate": "7",
            "rate-applies_to": "all",
            "rate-active": "on",
        },
    )
    assert response.status_code == 400
    assert "already has a tax rate of that name" in response.content.decode()
    with scope(organization=bill.org.pk):
        series = ensure_series(bill.clinic, "invoice")
    assert series.prefix == "DT" and not series.yearly_reset


def test_invoice_an_appointment_from_the_calendar(bill, login):
    from tests.test_isolation_pages import make_appointment

    with scopes_disabled():
        appointment = make_appointment(bill)
    client = login(bill.staff)
    edit = client.get(f"/office/c/{bill.clinic.slug}/scheduling/appointments/{appointment.pk}/")
    assert f"billing/invoices/new/?appointment={appointment.pk}".encode() in edit.content
    page = client.get(url(bill, f"invoices/new/?appointment={appointment.pk}"))
    assert page.status_code == 200
    response = client.post(
        url(bill, "invoices/new/"), {"patient": appointment.patient_id, "appointment": appointment.pk}
    )
    assert response.status_code == 302
    with scope(organization=bill.org.pk):
        line = Invoice.objects.get().lines.get()
        assert (line.kind, line.reference) == ("appointment", str(appointment.pk))
        assert Invoice.objects.get().practitioner_id == appointment.practitioner_id
    # Billing off: no link.
    from core.tenancy.models import ClinicModule

    with scope(organization=bill.org.pk):
        ClinicModule.objects.create(
            organization=bill.org, clinic=bill.clinic, module="billing", enabled=False
        )
    edit = client.get(f"/office/c/{bill.clinic.slug}/scheduling/appointments/{appointment.pk}/")
    assert b"billing/invoices/new" not in edit.content


def test_appointment_of_another_clinic_is_not_billable(bill, beta, login):
    from tests.test_isolation_pages import make_appointment

    with scopes_disabled():
        theirs = make_appointment(beta)
    client = login(bill.owner)
    assert client.get(url(bill, f"invoices/new/?appointment={theirs.pk}")).status_code == 404


def test_discarding_a_draft_deletes_it_and_an_issued_invoice_stays(bill, login):
    with scope(organization=bill.org.pk):
        draft = draft_with_line(bill)
        issued = issue(draft_with_line(bill))
    client = login(bill.staff)
    response = client.post(url(bill, f"invoices/{draft.pk}/void/"), follow=True)
    assert response.status_code == 200 and b"Draft discarded." in response.content
    response = client.post(url(bill, f"invoices/{issued.pk}/void/"), follow=True)
    assert b"can no longer be changed" in response.content
    with scope(organization=bill.org.pk):
        assert not Invoice.objects.filter(pk=draft.pk).exists()
        assert Invoice.objects.get(pk=issued.pk).status == InvoiceStatus.ISSUED
