"""The patient's invoices in the portal, mounted under ``/c/<clinic_slug>/account/billing/``.

The portal wraps every view (``portal_site.access.portal_module_view``): billing off at the clinic → 404,
not signed in → the portal's sign-in; ``request.portal_clinic`` is set and the clinic's organization scope
is active. A patient reaches invoices only through their login's own patient links
(``core.patients.accounts``): another patient's invoice, another organization's, a draft, or one of a clinic
where billing is off all answer the same 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.audit.recording import shows
from core.audit.vocabulary import Action, Category

from . import selectors
from .access import access_patient_invoice
from .pdf import stored_or_rendered
from .services.issuing import request_pdf


def _context(request: HttpRequest, **extra: object) -> dict:
    from portal_site.api import portal_context

    return {**portal_context(request, request.portal_clinic), **extra}


def _base(request: HttpRequest) -> str:
    from portal_site.api import clinic_base_url

    return clinic_base_url(request.portal_clinic, request)


@shows(Category.INVOICES)
def my_invoices(request: HttpRequest) -> HttpResponse:
    clinic = request.portal_clinic
    groups = selectors.patient_account_invoices(request.user, first_organization_id=clinic.organization_id)
    base = _base(request)
    for group in groups:
        # Invoices of this organization open here; another organization's at its own clinic's portal.
        for invoice in group["invoices"]:
            invoice.portal_url = (
                f"{base}account/billing/invoices/{invoice.pk}/"
                if invoice.organization_id == clinic.organization_id
                else f"/c/{invoice.clinic.slug}/account/billing/invoices/{invoice.pk}/"
            )
    return render(request, "billing/portal/invoices.html", _context(request, groups=groups))


def invoice_detail(request: HttpRequest, invoice_id: str) -> HttpResponse:
    invoice = access_patient_invoice(request, invoice_id)
    credit_notes = list(invoice.credit_notes.all())
    return render(
        request,
        "billing/portal/invoice.html",
        _context(
            request,
            invoice=invoice,
            lines=list(invoice.lines.all()),
            payments=list(invoice.payments.all()),
            credit_applied=list(invoice.credit_applied.all()),
            credit_notes=credit_notes,
            refunds=[refund for note in credit_notes for refund in note.refunds.all()],
            pdf_url=f"{_base(request)}account/billing/invoices/{invoice.pk}/pdf/",
        ),
    )


@shows(Category.INVOICES, action=Action.PRINT)
def invoice_pdf(request: HttpRequest, invoice_id: str) -> HttpResponse:
    invoice = access_patient_invoice(request, invoice_id)
    pdf = stored_or_rendered(invoice)
    if pdf is None:
        request_pdf(invoice)
        messages.info(request, _("The PDF of this invoice is being prepared; please try again in a minute."))
        return redirect(f"{_base(request)}account/billing/invoices/{invoice.pk}/")
    return FileResponse(pdf.file.open("rb"), content_type="application/pdf", filename=f"{invoice.number}.pdf")
