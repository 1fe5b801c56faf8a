"""A patient's "Disclosures" chart tab: what of their information was given outside the practice, a form
to record a new disclosure, the entered-in-error mark, and the patient's accounting as a PDF for a patient
who asks at the desk."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit.disclosures import services
from core.audit.disclosures.access import access_disclosure
from core.audit.disclosures.accounting import accounting_for, recorded_for
from core.audit.disclosures.forms import DisclosureForm, EnteredInErrorForm
from core.audit.disclosures.pdf import accounting_pdf
from core.audit.recording import record_access, shows
from core.audit.vocabulary import Action, Category
from core.forms import apply_errors
from core.patients.access import access_patient
from core.tenancy.access import check_perm

from ..chart import chart_context
from ..decorators import member_required
from ..navigation import current_clinic

VIEW = "audit.view_disclosures"


def _tab(request, patient, form, *, status: int = 200) -> HttpResponse:
    record_access(patient, Category.AUDIT_LOG)
    disclosures = recorded_for(patient)
    context = {
        "patient": patient,
        "disclosures": disclosures,
        "markable": {
            d.pk
            for d in disclosures
            if not d.entered_in_error and request.user.has_perm("audit.mark_disclosure_in_error", d)
        },
        "form": form if request.user.has_perm("audit.record_disclosure", patient) else None,
        "error_form": EnteredInErrorForm(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "office/patients/disclosures.html", context, status=status)
    url = reverse("office:patient_disclosures", args=[patient.pk])
    frame = chart_context(request, current_clinic(request), patient, active=url)
    return render(request, "office/patients/disclosures_page.html", {**frame, **context}, status=status)


@member_required
def patient_disclosures(request, pk):
    """The tab (GET) and recording a disclosure (POST)."""
    patient = access_patient(request, pk, permission=VIEW)
    if request.method != "POST":
        return _tab(request, patient, DisclosureForm())
    check_perm(request, "audit.record_disclosure", patient)
    form = DisclosureForm(request.POST)
    if form.is_valid():
        try:
            services.record_disclosure(
                patient, form.details(), by=request.user, clinic=current_clinic(request)
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Disclosure recorded."))
            return redirect("office:patient_disclosures", pk=patient.pk)
    return _tab(request, patient, form, status=400)


@member_required
@require_POST
def disclosure_error(request, pk):
    """Mark a disclosure entered in error (it stays on record, struck through, out of the accounting)."""
    disclosure = access_disclosure(request, pk)
    check_perm(request, "audit.mark_disclosure_in_error", disclosure)
    form = EnteredInErrorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this disclosure was entered in error (500 characters at most)."))
    else:
        try:
            services.mark_in_error(disclosure, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Disclosure marked entered in error."))
    return redirect("office:patient_disclosures", pk=disclosure.patient_id)


@member_required
@shows(Category.AUDIT_LOG, action=Action.PRINT)
def patient_disclosure_accounting(request, pk):
    """The patient's accounting of disclosures as a PDF, in the patient's language."""
    patient = access_patient(request, pk, permission=VIEW)
    clinic = current_clinic(request)
    language = patient.preferred_language or (
        clinic.locale if clinic else request.organization.default_locale
    )
    response = HttpResponse(
        accounting_pdf([accounting_for(patient)], language=language), content_type="application/pdf"
    )
    filename = f"disclosures-{patient.display_record_number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
