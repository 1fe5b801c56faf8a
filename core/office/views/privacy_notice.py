"""Settings → Privacy notice: the patients with a portal account who have not agreed to the notice in force
(agreed to an older version, or never), by clinic, and reminding them by email.

The list is the owner's follow-up of consent; anyone else gets the same 404 as a page that does not exist,
since the page names patients and says nothing they could act on.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from core.audit.recording import record_list
from core.audit.vocabulary import Category
from core.compliance.consents import notice_version
from core.compliance.notice_followup import patients_not_agreed
from core.compliance.notice_reminders import remind_patients
from core.forms import StyledForm
from core.patients.models import Patient
from core.tenancy.access import parse_id, visible_clinics

from ..decorators import member_required

PAGE_SIZE = 25
PERMISSION = "compliance.follow_up_privacy_notice"


class NoticeFilterForm(StyledForm):
    clinic = forms.ChoiceField(label=gettext_lazy("Clinic"), required=False)

    def __init__(self, *args, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinics = {clinic.slug: clinic for clinic in clinics}
        self.fields["clinic"].choices = [("", _("All clinics"))] + [(c.slug, c.name) for c in clinics]

    def chosen_clinic(self):
        return self.clinics.get(self.cleaned_data.get("clinic") or "")


def _allowed(request) -> None:
    if not request.user.has_perm(PERMISSION, request.organization):
        raise Http404


def _filter(request, data) -> NoticeFilterForm:
    return NoticeFilterForm(data, clinics=list(visible_clinics(request)))


@member_required
def notice_followup(request):
    """The patients who have not agreed to the notice in force, a page at a time, by name."""
    _allowed(request)
    organization = request.organization
    form = _filter(request, request.GET or None)
    version = notice_version(organization)
    clinic, status = None, 200
    if form.is_bound and not form.is_valid():
        # A clinic that is not one of the member's: the form says so and lists nobody.
        rows, status = Patient.objects.none(), 400
    else:
        clinic = form.chosen_clinic() if form.is_bound else None
        rows = patients_not_agreed(organization, clinic=clinic, version=version).only(
            "id", "organization_id", "record_number", "given_name", "family_name", "preferred_name"
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    # The access log: each patient named on the page.
    record_list(page.object_list, Category.DEMOGRAPHICS)
    return render(
        request,
        "office/privacy/notice_followup.html",
        {"form": form, "page": page, "version": version, "clinic": clinic},
        status=status,
    )


@member_required
@require_POST
def notice_remind(request):
    """*Remind by email*: one patient (``patient``) or every patient listed (``all``), in the clinic the
    list is narrowed to. A patient already reminded of this version is not written to again."""
    _allowed(request)
    organization = request.organization
    form = _filter(request, request.POST)
    back = reverse("office:notice_followup")
    if not form.is_valid():
        messages.error(request, _("Choose a clinic from the list."))
        return redirect(back)
    clinic = form.chosen_clinic()
    if clinic is not None:
        back += "?" + urlencode({"clinic": clinic.slug})
    if request.POST.get("all") == "1":
        queued = remind_patients(organization, by=request.user, clinic=clinic)
    else:
        patient_id = parse_id(request.POST.get("patient", ""))
        patient = Patient.objects.filter(organization_id=organization.pk, pk=patient_id).first()
        if patient is None:
            raise Http404
        queued = remind_patients(organization, by=request.user, patient_ids=[patient.pk], clinic=clinic)
    if queued:
        messages.success(
            request,
            ngettext(
                "A reminder is on its way to %(count)s patient.",
                "Reminders are on their way to %(count)s patients.",
                queued,
            )
            % {"count": queued},
        )
    else:
        # Reminded of this version already, or seen only at archived clinics (no portal to link to).
        nobody = _(
            "Nobody to remind: each patient listed was already reminded of this version or has no open "
            "clinic."
        )
        messages.info(request, nobody)
    return redirect(back)
