"""The clinic's waitlist page: who is waiting for which service, adding a patient, and marking entries
offered, booked or removed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit.recording import record_ids
from core.audit.vocabulary import Action, Category
from core.forms import apply_errors
from core.office.decorators import member_required
from core.patients.selectors import visible_patients
from core.tenancy.access import check_perm
from core.tenancy.models import Membership

from .. import selectors, waitlist
from ..access import access_waitlist_entry
from ..forms.appointments import WaitlistForm, WaitlistStatusForm
from ..models import WaitlistStatus

# What each open entry can become from the list.
NEXT_STEPS = {
    WaitlistStatus.WAITING: [WaitlistStatus.OFFERED, WaitlistStatus.BOOKED, WaitlistStatus.REMOVED],
    WaitlistStatus.OFFERED: [WaitlistStatus.WAITING, WaitlistStatus.BOOKED, WaitlistStatus.REMOVED],
}


def _form(request, clinic, data=None):
    practitioners = Membership.objects.filter(
        pk__in=[m.pk for m in selectors.clinic_practitioners(clinic)]
    ).select_related("user")
    patients = visible_patients(request.member).filter(archived=False)
    return WaitlistForm(
        data,
        patients=patients.order_by("family_name", "given_name"),
        services=selectors.active_services(clinic),
        practitioners=practitioners,
    )


def _list_url(clinic) -> str:
    return reverse("office:scheduling:waitlist", kwargs={"clinic_slug": clinic.slug})


@member_required
def waitlist_page(request, clinic_slug):
    clinic = request.clinic
    check_perm(request, "scheduling.view_calendar", clinic)
    form = _form(request, clinic, request.POST or None)
    status = 200
    if request.method == "POST":
        check_perm(request, "scheduling.manage_waitlist", clinic)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                waitlist.join(
                    clinic=clinic,
                    patient=data["patient"],
                    service=data["service"],
                    practitioner=data.get("practitioner"),
                    earliest=data["earliest"],
                    latest=data["latest"],
                    notes=data.get("notes") or "",
                    by=request.user,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("%(patient)s is on the waitlist.") % {"patient": data["patient"]})
                return redirect(_list_url(clinic))
    entries = list(waitlist.open_entries(clinic)[:300])
    patient_ids = {e.patient_id for e in entries}  # the access log: whose waiting is listed here
    record_ids(clinic.organization_id, patient_ids, Category.APPOINTMENTS, Action.LIST, clinic=clinic)
    for entry in entries:
        entry.next_steps = [(s, WaitlistStatus(s).label) for s in NEXT_STEPS.get(entry.status, [])]
    return render(
        request,
        "scheduling/waitlist.html",
        {
            "clinic": clinic,
            "form": form,
            "entries": entries,
            "can_manage": request.user.has_perm("scheduling.manage_waitlist", clinic),
        },
        status=status,
    )


@member_required
@require_POST
def waitlist_status(request, clinic_slug, pk):
    clinic = request.clinic
    entry = access_waitlist_entry(request, pk, "scheduling.manage_waitlist")
    form = WaitlistStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect(_list_url(clinic))
    try:
        waitlist.set_status(entry, form.cleaned_data["status"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Waitlist entry updated."))
    return redirect(_list_url(clinic))
