"""Issuing a draft, and the issued invoice's PDF."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit.recording import shows
from core.audit.vocabulary import Action, Category
from core.office.decorators import member_required

from ..access import access_invoice
from ..pdf import stored_or_rendered
from ..services.issuing import issue, request_pdf
from .invoice_page import redirect_to_invoice


@member_required
@require_POST
def invoice_issue(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    invoice = access_invoice(request, pk, permission="billing.issue_invoice")
    try:
        invoice = issue(invoice, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
    return redirect_to_invoice(invoice)


@member_required
@shows(Category.INVOICES, action=Action.PRINT)
def invoice_pdf(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    invoice = access_invoice(request, pk, permission="billing.view_invoice")
    if invoice.is_draft or invoice.number is None:
        raise Http404
    pdf = stored_or_rendered(invoice)
    if pdf is None:
        messages.error(request, _("The PDF could not be produced; it will be tried again shortly."))
        request_pdf(invoice)
        return redirect_to_invoice(invoice)
    return FileResponse(pdf.file.open("rb"), content_type="application/pdf", filename=f"{invoice.number}.pdf")
