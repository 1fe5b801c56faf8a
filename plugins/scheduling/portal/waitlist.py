"""The patient's own waitlist entries in the portal, under ``/c/<clinic_slug>/account/scheduling/``: join
the waitlist for a service bookable online, and leave it.

The portal's module gate has already resolved the clinic (``request.portal_clinic``), answered 404 where
scheduling is off, sent visitors who are not signed in to the sign-in page, and opened the clinic's
organization scope. The patient's record is reached only through ``core.patients.accounts.patient_in``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.patients.accounts import patient_in
from core.tenancy.models import Membership

from .. import selectors, waitlist
from ..forms.appointments import WaitlistForm
from ..models import Channel, OnlineMode, WaitlistEntry, WaitlistStatus


class PortalWaitlistForm(WaitlistForm):
    """The office's waitlist form without the patient: it is always the signed-in patient."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, patients=None, **kwargs)
        del self.fields["patient"]
        for field in self.fields.values():
            field.widget.attrs.pop("class", None)


def _portal_context(request, **extra) -> dict:
    from portal_site.api import portal_context

    return {**portal_context(request, request.portal_clinic), **extra}


@require_http_methods(["GET", "POST"])
def waitlist_page(request):
    clinic = request.portal_clinic
    patient = patient_in(request.user, clinic.organization_id)
    if patient is None:
        return render(request, "portal/account/not_linked.html", _portal_context(request), status=403)
    online = selectors.booking_policy(clinic).online_mode != OnlineMode.OFF
    services = selectors.active_services(clinic).filter(bookable_online=True)
    practitioners = selectors.clinic_practitioners(clinic)
    form = PortalWaitlistForm(
        request.POST if request.method == "POST" and "leave" not in request.POST else None,
        services=services,
        practitioners=Membership.objects.filter(pk__in=[m.pk for m in practitioners]).select_related("user"),
    )
    status = 200
    if request.method == "POST":
        if not online:
            raise Http404
        if "leave" in request.POST:
            entry = WaitlistEntry.objects.filter(
                organization_id=clinic.organization_id,
                clinic=clinic,
                patient=patient,
                pk=_entry_id(request.POST.get("leave")),
            ).first()
            if entry is None:
                raise Http404
            try:
                waitlist.set_status(entry, WaitlistStatus.REMOVED)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("You have left the waitlist."))
            return redirect(request.path)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                waitlist.join(
                    clinic=clinic,
                    patient=patient,
                    service=data["service"],
                    practitioner=data.get("practitioner"),
                    earliest=data["earliest"],
                    latest=data["latest"],
                    notes=data.get("notes") or "",
                    channel=Channel.PORTAL,
                    by=request.user,
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for name, errors in error.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                messages.success(
                    request, _("You are on the waitlist. We will let you know when a slot frees up.")
                )
                return redirect(request.path)
    entries = list(waitlist.open_entries(clinic).filter(patient=patient))
    return render(
        request,
        "scheduling/portal_waitlist.html",
        _portal_context(request, patient=patient, form=form, entries=entries, online=online),
        status=status,
    )


def _entry_id(value) -> int:
    try:
        parsed = int(str(value))
    except (TypeError, ValueError):
        raise Http404 from None
    if parsed <= 0 or parsed > 2**63 - 1:
        raise Http404
    return parsed
