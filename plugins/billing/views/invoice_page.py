"""The invoice page: what it shows and which forms it offers the member. The forms that post to it render
it again with their errors through ``invoice_page``."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.office.decorators import member_required

from ..access import access_invoice
from ..formatting import money
from ..forms import ApplyCreditForm, BillToForm, LineForm, PaymentForm, RefundForm
from ..models import OPEN_STATUSES, CreditNote, Invoice
from ..money import quantize
from ..services.clinic_settings import active_tax_rates
from ..services.credit import patient_credit
from ..services.dates import local_today
from ..services.refunds import refundable_left


def redirect_to_invoice(invoice: Invoice) -> HttpResponseRedirect:
    return redirect("office:billing:invoice_detail", clinic_slug=invoice.clinic.slug, pk=invoice.pk)


def _refundable_notes(invoice: Invoice) -> QuerySet[CreditNote]:
    """The invoice's credit notes with money still to pay back."""
    return CreditNote.objects.filter(
        organization_id=invoice.organization_id,
        invoice=invoice,
        refundable_amount__gt=F("refunded_amount"),
    ).order_by("issue_date", "sequence")


def refund_form(invoice: Invoice, data: QueryDict | None = None) -> RefundForm:
    form = RefundForm(
        data,
        credit_notes=_refundable_notes(invoice),
        prefix="refund",
        initial={"date": local_today(invoice.clinic)},
    )
    form.fields["credit_note"].label_from_instance = lambda note: (
        _("%(number)s (%(left)s to refund)")
        % {
            "number": note.number,
            "left": money(refundable_left(note), note.currency),
        }
    )
    return form


def _context(request: HttpRequest, invoice: Invoice, **forms: Form) -> dict:
    clinic = invoice.clinic
    user = request.user
    can_draft = invoice.is_draft and user.has_perm("billing.draft_invoice", invoice)
    can_pay = invoice.status in OPEN_STATUSES and user.has_perm("billing.record_payment", invoice)
    credit_notes = list(invoice.credit_notes.all())
    credit = patient_credit(clinic, invoice.patient, invoice.currency)
    can_apply_credit = (
        invoice.status in OPEN_STATUSES and credit > 0 and user.has_perm("billing.apply_credit", invoice)
    )
    can_refund = any(refundable_left(note) > 0 for note in credit_notes) and user.has_perm(
        "billing.record_refund", invoice
    )
    context = {
        "clinic": clinic,
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "payments": list(invoice.payments.all()),
        "credit_notes": credit_notes,
        "credit_applied": list(invoice.credit_applied.all()),
        "pdf": getattr(invoice, "pdf", None) if not invoice.is_draft else None,
        "can_draft": can_draft,
        "can_issue": invoice.is_draft and user.has_perm("billing.issue_invoice", invoice),
        "can_pay": can_pay,
        "can_credit": invoice.number is not None
        and invoice.credited_total < invoice.gross_total
        and user.has_perm("billing.issue_credit_note", invoice),
        "bill_to_form": forms.get("bill_to_form")
        or (BillToForm(prefix="bill_to", initial=invoice.bill_to) if can_draft else None),
        "line_form": forms.get("line_form")
        or (LineForm(tax_rates=active_tax_rates(clinic)) if can_draft else None),
        "payment_form": forms.get("payment_form")
        or (
            PaymentForm(
                initial={"amount": quantize(invoice.balance, invoice.currency), "date": local_today(clinic)}
            )
            if can_pay
            else None
        ),
        "credit": credit,
        "credit_form": forms.get("credit_form")
        or (
            ApplyCreditForm(
                prefix="credit", initial={"amount": quantize(min(credit, invoice.balance), invoice.currency)}
            )
            if can_apply_credit
            else None
        ),
        "refund_form": forms.get("refund_form") or (refund_form(invoice) if can_refund else None),
    }
    return context


def invoice_page(request: HttpRequest, invoice: Invoice, *, status: int = 200, **forms: Form) -> HttpResponse:
    """The invoice page; ``forms`` replace the empty ones it would offer (a form posted with errors)."""
    return render(request, "billing/invoice_detail.html", _context(request, invoice, **forms), status=status)


@member_required
def invoice_detail(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    return invoice_page(request, access_invoice(request, pk, permission="billing.view_invoice"))
