"""The patient's accounting of disclosures (HIPAA §164.528): for every organization the login is a
patient of, what of their information was given outside the practice in the last six years, except for
treatment, payment and health care operations; as a page and as a PDF to keep."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from core.audit.disclosures.accounting import accounting_for
from core.audit.disclosures.pdf import accounting_pdf
from core.audit.recording import record_access, shows
from core.audit.vocabulary import Action, Category

from .access import portal_view
from .account import _records
from .views import _ctx, _login_redirect


@portal_view
def disclosures_view(request):
    if not request.user.is_authenticated:
        return _login_redirect(request)
    accountings = []
    for _organization_id, patient in _records(request.user):
        record_access(patient, Category.AUDIT_LOG)
        accountings.append(accounting_for(patient))
    return render(request, "portal/account/disclosures.html", _ctx(request, accountings=accountings))


@portal_view
@shows(Category.AUDIT_LOG, action=Action.PRINT)
def disclosures_pdf_view(request):
    if not request.user.is_authenticated:
        return _login_redirect(request)
    accountings = [accounting_for(patient) for _organization_id, patient in _records(request.user)]
    if not accountings:
        raise Http404
    response = HttpResponse(accounting_pdf(accountings), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="accounting-of-disclosures.pdf"'
    return response
