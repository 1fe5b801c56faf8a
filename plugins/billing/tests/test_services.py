from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django_scopes import scope

from core.plugins import events
from core.plugins.manager import hookimpl, registry
from core.plugins.types import BillableItem
from plugins.billing import selectors
from plugins.billing.models import (
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceSeries,
    InvoiceStatus,
    PatientCredit,
    Payment,
    SeriesKind,
)
from plugins.billing.services import issuing
from plugins.billing.services.billable_items import add_billable_item
from plugins.billing.services.clinic_settings import billing_profile
from plugins.billing.services.credit import patient_credit
from plugins.billing.services.credit_notes import issue_credit_note
from plugins.billing.services.dates import local_today
from plugins.billing.services.drafts import create_draft
from plugins.billing.services.issuing import issue
from plugins.billing.services.lines import add_line, remove_line
from plugins.billing.services.numbering import ensure_series
from plugins.billing.services.payments import record_payment
from plugins.billing.services.refunds import record_refund

from .conftest import draft_with_line

pytestmark = pytest.mark.django_db


def test_totals_round_per_currency_with_discounts_and_two_rates(bill):
    with scope(organization=bill.org.pk):
        invoice = create_draft(clinic=bill.clinic, patient=bill.patient)
        # 3 × 19.99 less 15 % = 50.9745 → 50.97 net; 19 % tax
        add_line(
            invoice,
            description="Gel",
            quantity="3",
            unit_price="19.99",
            discount_percent="15",
            tax_rate=bill.vat19,
            kind="product",
        )
        # 0.333 × 10.00 = 3.33 net; 7 % tax
        add_line(invoice, description="Tape", quantity="0.333", unit_price="10.00", tax_rate=bill.vat7)
        # exempt service by default
        add_line(invoice, description="Consultation", quantity="1", unit_price="80", kind="service")
        invoice.refresh_from_db()
        lines = list(invoice.lines.all())
        assert [line.net_amount for line in lines] == [Decimal("50.97"), Decimal("3.33"), Decimal("80.00")]
        assert [line.tax_name for line in lines] == ["VAT", "Reduced VAT", "Medical"]
        assert lines[2].tax_rate == 0 and lines[2].tax_exempt
        # tax per rate on the rate's sum: 50.97 × 19 % = 9.6843 → 9.68; 3.33 × 7 % = 0.2331 → 0.23
        assert invoice.net_total == Decimal("134.30")
        assert invoice.tax_total == Decimal("9.91")
        assert invoice.gross_total == Decimal("144.21")
        assert {row["rate"] for row in invoice.tax_breakdown} == {"0", "7", "19"}


def test_zero_decimal_currency_rounds_to_whole_units(bill):
    clinic = bill.clinic
    clinic.currency = "JPY"
    clinic.save()
    with scope(organization=bill.org.pk):
        invoice = draft_with_line(
            bill, price="1234", quantity="1", discount_percent="12.5", tax_rate=bill.vat19
        )
        assert invoice.net_total == Decimal("1080")  # 1079.75 half-up
        assert invoice.tax_total == Decimal("205")  # 205.2
        assert invoice.gross_total == Decimal("1285")


def test_line_validation(bill):
    with scope(organization=bill.org.pk):
        invoice = create_draft(clinic=bill.clinic, patient=bill.patient)
        for bad, field in [
            ({"quantity": "0"}, "quantity"),
            ({"quantity": "-1"}, "quantity"),
            ({"unit_price": "-5"}, "unit_price"),
            ({"discount_percent": "120"}, "discount_percent"),
            ({"currency": "USD"}, "unit_price"),
            ({"description": "  "}, "description"),
        ]:
            args = {"description": "X", "quantity": "1", "unit_price": "10", **bad}
            with pytest.raises(ValidationError) as caught:
                add_line(invoice, **args)
            assert field in caught.value.message_dict, bad
        assert not invoice.lines.exists()


class Hears:
    """A listener plugin for the issuing events: records the payloads, refuses when told to."""

    def __init__(self, refuse: bool = False):
        self.heard, self.refuse = [], refuse

    @hookimpl
    def clinic_invoice_issuing(self, clinic, event):
        if self.refuse:
            raise ValidationError("Not enough stock of gel.")
        self.heard.append(event)

    @hookimpl
    def clinic_invoice_issued(self, clinic, event):
        self.heard.append(event)


@pytest.fixture
def listening():
    plugins = []

    def add(refuse: bool = False) -> Hears:
        plugin = Hears(refuse)
        registry().pm.register(plugin, name=f"hears_{len(plugins)}")
        plugins.append(plugin)
        return plugin

    yield add
    for plugin in plugins:
        registry().pm.unregister(plugin)


def test_issue_assigns_number_copies_details_and_fires_hook(
    bill, monkeypatch, listening, django_capture_on_commit_callbacks
):
    seen = []
    hears = listening()
    monkeypatch.setattr(issuing, "enqueue_on_commit", lambda *a, **k: seen.append(("enqueued", a, k)))
    with scope(organization=bill.org.pk), django_capture_on_commit_callbacks(execute=True):
        series = ensure_series(bill.clinic, SeriesKind.INVOICE)
        series.prefix, series.yearly_reset = "DT", False
        series.save()
        profile = billing_profile(bill.clinic)
        profile.legal_name, profile.tax_id = "Alpha Medical GmbH", "DE999"
        profile.save()
        invoice = draft_with_line(bill)
        issued = issue(invoice, by=bill.owner)
        assert issued.number == "DT-00001" and issued.sequence == 1
        assert issued.status == InvoiceStatus.ISSUED and issued.balance == Decimal("100.00")
        assert issued.seller["name"] == "Alpha Medical GmbH" and issued.seller["tax_id"] == "DE999"
        assert issued.buyer["name"] == bill.patient.full_name
        with pytest.raises(ValidationError):
            issue(issued)
    being_issued, was_issued = hears.heard
    assert isinstance(being_issued, events.InvoiceIssuing) and isinstance(was_issued, events.InvoiceIssued)
    assert being_issued.invoice_id == invoice.pk and len(being_issued.lines) == 1
    assert was_issued.number == "DT-00001" and was_issued.total == Decimal("100.00")
    assert seen[0][0] == "enqueued"


def test_empty_invoice_cannot_be_issued(bill):
    with scope(organization=bill.org.pk):
        invoice = create_draft(clinic=bill.clinic, patient=bill.patient)
        with pytest.raises(ValidationError, match="at least one line"):
            issue(invoice)
        assert not InvoiceSeries.objects.filter(next_number__gt=1).exists()


def test_listener_refusal_aborts_issue_and_consumes_no_number(bill, listening):
    refuses = listening(refuse=True)
    with scope(organization=bill.org.pk):
        first = draft_with_line(bill)
        with pytest.raises(ValidationError, match="stock"):
            issue(first)
        first.refresh_from_db()
        assert first.is_draft and first.number is None
        registry().pm.unregister(refuses)
        second = issue(draft_with_line(bill))
        assert second.sequence == 1
    registry().pm.register(refuses, name="hears_0")  # the fixture unregisters it


def test_yearly_series_restarts(bill):
    with scope(organization=bill.org.pk):
        series = ensure_series(bill.clinic, SeriesKind.INVOICE)
        InvoiceSeries.objects.filter(pk=series.pk).update(year=2000, next_number=57)
        issued = issue(draft_with_line(bill))
        year = local_today(bill.clinic).year
        assert issued.number == f"INV-{year}-0001"


def test_issued_invoice_is_frozen_in_the_database(bill):
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill))
        line = invoice.lines.get()
    for statement in [
        lambda: Invoice.objects.filter(pk=invoice.pk).update(gross_total=Decimal("1")),
        lambda: Invoice.objects.filter(pk=invoice.pk).update(number="X-1"),
        lambda: Invoice.objects.filter(pk=invoice.pk).update(status="draft"),
        lambda: Invoice.objects.filter(pk=invoice.pk).delete(),
        lambda: InvoiceLine.objects.filter(pk=line.pk).update(unit_price=Decimal("1")),
        lambda: InvoiceLine.objects.filter(pk=line.pk).delete(),
        lambda: _raw("UPDATE billing_invoice SET net_total = 1 WHERE id = %s", invoice.pk),
        lambda: _raw("DELETE FROM billing_invoiceline WHERE id = %s", line.pk),
        lambda: _raw(
            "INSERT INTO billing_invoiceline (organization_id, invoice_id, position, kind, reference,"
            " description, quantity, unit_price, discount_percent, tax_name, tax_rate, tax_exempt,"
            " net_amount, tax_amount, gross_amount) SELECT organization_id, invoice_id, 9, kind,"
            " reference, 'sneaky', quantity, unit_price, discount_percent, tax_name, tax_rate,"
            " tax_exempt, net_amount, tax_amount, gross_amount FROM billing_invoiceline WHERE id = %s",
            line.pk,
        ),
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), scope(organization=bill.org.pk):
            statement()
    # Settlement columns still move.
    with scope(organization=bill.org.pk):
        Invoice.objects.filter(pk=invoice.pk).update(balance=Decimal("40"), status="partly_paid")
        assert Invoice.objects.get(pk=invoice.pk).balance == Decimal("40")
        with pytest.raises(ValidationError):
            Invoice.objects.get(pk=invoice.pk).delete()


def _raw(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_draft_lines_can_change_and_drafts_can_go(bill):
    with scope(organization=bill.org.pk):
        invoice = draft_with_line(bill)
        line = invoice.lines.get()
        remove_line(invoice, line.pk)
        invoice.refresh_from_db()
        assert invoice.gross_total == 0
        invoice.delete()


def test_partial_payment_full_payment_and_overpayment(bill, django_capture_on_commit_callbacks):
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill, price="100.00"))
        with django_capture_on_commit_callbacks() as callbacks:
            payment, message = record_payment(invoice, amount="30", method="cash")
        assert len(callbacks) == 1  # clinic_payment_received, after commit
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PARTLY_PAID and invoice.balance == Decimal("70.00")
        assert "70.00" in message
        payment, message = record_payment(invoice, amount="100", method="card", reference="T-1")
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID and invoice.balance == 0
        assert payment.applied_amount == Decimal("70") and payment.credit_amount == Decimal("30")
        assert "credit" in message and "30.00" in message
        assert patient_credit(bill.clinic, bill.patient) == Decimal("30")
        assert PatientCredit.objects.get().payment_id == payment.pk
        with pytest.raises(ValidationError, match="nothing left"):
            record_payment(invoice, amount="1", method="cash")
        draft = draft_with_line(bill)
        with pytest.raises(ValidationError, match="Issue the invoice"):
            record_payment(draft, amount="1", method="cash")
        with pytest.raises(ValidationError) as caught:
            record_payment(issue(draft), amount="0.001", method="cash")
        assert "amount" in caught.value.message_dict
    with pytest.raises(DatabaseError), transaction.atomic(), scope(organization=bill.org.pk):
        Payment.objects.filter(pk=payment.pk).update(amount=Decimal("1"))


def test_credit_notes_partial_then_rest_and_refund(bill):
    with scope(organization=bill.org.pk):
        invoice = create_draft(clinic=bill.clinic, patient=bill.patient)
        gel = add_line(
            invoice, description="Gel", quantity="3", unit_price="10.00", tax_rate=bill.vat19, kind="product"
        )
        add_line(invoice, description="Consultation", quantity="1", unit_price="50.00")
        invoice = issue(invoice)
        assert invoice.gross_total == Decimal("85.70")
        record_payment(invoice, amount="85.70", method="card")
        note = issue_credit_note(invoice, reason="Returned one", quantities={gel.pk: "1"})
        assert note.gross_total == Decimal("-11.90") and note.refundable_amount == Decimal("11.90")
        assert note.number.startswith("CN-") and note.lines.get().quantity == Decimal("-1")
        with pytest.raises(ValidationError, match="more than was billed"):
            issue_credit_note(invoice, reason="Too much", quantities={gel.pk: "3"})
        rest = issue_credit_note(invoice, reason="Cancelled")
        invoice.refresh_from_db()
        assert rest.gross_total == Decimal("-73.80")
        assert invoice.credited_total == invoice.gross_total
        assert rest.sequence == note.sequence + 1
        with pytest.raises(ValidationError, match="Nothing is left"):
            issue_credit_note(invoice, reason="Again")
        record_refund(note, amount="11.90", method="card")
        with pytest.raises(ValidationError):
            record_refund(note, amount="0.01", method="card")
    with pytest.raises(DatabaseError), transaction.atomic(), scope(organization=bill.org.pk):
        CreditNote.objects.filter(pk=note.pk).update(gross_total=Decimal("0"))


def test_credit_of_unpaid_invoice_lowers_balance_and_voids_when_whole(bill):
    with scope(organization=bill.org.pk):
        invoice = issue(draft_with_line(bill, price="40"))
        note = issue_credit_note(invoice, reason="Wrong patient")
        invoice.refresh_from_db()
        assert invoice.balance == 0 and invoice.status == InvoiceStatus.VOID
        assert note.refundable_amount == 0


def test_outstanding_ageing(bill):
    with scope(organization=bill.org.pk):
        today = local_today(bill.clinic)
        for days, price in [(100, "10"), (70, "20"), (45, "30"), (5, "40"), (0, "50")]:
            issue(draft_with_line(bill, price=price), on=today - timedelta(days=days))
        paid = issue(draft_with_line(bill, price="60"))
        record_payment(paid, amount="60", method="cash")
        ageing = selectors.outstanding(bill.clinic, today)
        assert [(b["label"], b["total"], b["count"]) for b in ageing["buckets"]] == [
            ("0-30", Decimal("90"), 2),
            ("31-60", Decimal("30"), 1),
            ("61-90", Decimal("20"), 1),
            ("90+", Decimal("10"), 1),
        ]
        assert ageing["total"] == Decimal("150") and selectors.unpaid_total(bill.clinic) == Decimal("150")
        with pytest.raises(ValidationError):
            issue(draft_with_line(bill), on=today - timedelta(days=200))


def test_billable_item_lines_and_currency_check(bill):
    item = BillableItem(
        kind="service", reference="7", label="Massage", unit_price=Decimal("55"), currency="EUR"
    )
    with scope(organization=bill.org.pk):
        invoice = create_draft(clinic=bill.clinic, patient=bill.patient)
        line = add_billable_item(invoice, item)
        assert (line.kind, line.reference, line.tax_name) == ("service", "7", "Medical")
        with pytest.raises(ValidationError):
            add_billable_item(invoice, BillableItem("service", "8", "X", Decimal(1), "USD"))


def test_patient_account_selector(bill):
    from tests.factories import link_patient_login, make_user

    user = make_user()
    with scope(organization=bill.org.pk):
        issued = issue(draft_with_line(bill))
        draft_with_line(bill)
        link_patient_login(bill.patient, user)
    assert [i.pk for i in selectors.invoices_for_patient_account(user)] == [issued.pk]
    assert user.has_perm("billing.view_invoice", issued)


def test_an_appointment_is_on_one_live_invoice_until_that_invoice_is_void(bill):
    visit = BillableItem(
        kind="appointment", reference="41", label="Visit", unit_price=Decimal("80"), currency="EUR"
    )
    with scope(organization=bill.org.pk):
        first = create_draft(clinic=bill.clinic, patient=bill.patient)
        add_billable_item(first, visit)
        second = create_draft(clinic=bill.clinic, patient=bill.patient)
        with pytest.raises(ValidationError, match="already on an invoice"):
            add_billable_item(second, visit)
        # Past the early check, the database itself refuses the second claim.
        with pytest.raises(ValidationError, match="already on an invoice"):
            add_line(
                second, description="Visit", quantity=1, unit_price="80", kind="appointment", reference="41"
            )
        issue(first)
        issue_credit_note(first, reason="Billed by mistake")
        first.refresh_from_db()
        assert first.status == InvoiceStatus.VOID
        assert not first.lines.get().claims_source
        line = add_billable_item(second, visit)
        assert line.claims_source
