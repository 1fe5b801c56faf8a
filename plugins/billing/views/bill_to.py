"""Who pays a draft invoice: the patient, or a company the staff name on the draft."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from core.office.decorators import member_required

from ..access import access_invoice
from ..forms import BillToForm
from ..services.bill_to import set_bill_to
from .invoice_page import invoice_page, redirect_to_invoice


@member_required
@require_POST
def bill_to(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    invoice = access_invoice(request, pk, permission="billing.draft_invoice")
    form = BillToForm(request.POST, prefix="bill_to")
    if form.is_valid():
        try:
            set_bill_to(invoice, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved who pays this invoice."))
            return redirect_to_invoice(invoice)
    invoice.refresh_from_db()
    return invoice_page(request, invoice, status=400, bill_to_form=form)
