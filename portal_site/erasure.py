"""“Erase my data” (GDPR Art. 17) in the patient's account: per organization they are a patient of,
ask for erasure with an optional message (after a confirm step), and follow the request: waiting, or
decided with what was erased and what the law keeps, and why.

The request is the one the practice records at the desk (``core.compliance.erasure``), received through
the portal; the organization's owners are emailed. At most one request per patient waits for a decision
(the database's partial unique index), so a double submit leaves one request.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope

from core.audit.recording import record_access
from core.audit.vocabulary import Category
from core.compliance import erasure as erasure_service
from core.compliance.emails import tell_owners_of_erasure_request
from core.compliance.models import ErasureRequest, RequestChannel
from core.patients.models import Patient
from core.tenancy.clinic_time import organization_zone

from .access import portal_view
from .account import _records
from .views import _base, _ctx, _login_redirect

SHOWN_REQUESTS = 5


class ErasureAskForm(forms.Form):
    organization = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    note = forms.CharField(
        label=gettext_lazy("Message to the practice (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "portal-input"}),
    )


def _groups(user) -> list[dict]:
    """Per organization: the patient's latest requests there, newest first."""
    groups = []
    for organization_id, patient in _records(user):
        requests = list(
            ErasureRequest.objects.filter(organization_id=organization_id, patient=patient).order_by(
                "-requested_at", "-id"
            )[:SHOWN_REQUESTS]
        )
        record_access(patient, Category.DEMOGRAPHICS)
        groups.append(
            {
                "organization": patient.organization,
                "zone": organization_zone(organization_id),
                "requests": requests,
                "pending": any(r.is_pending for r in requests),
                "form": ErasureAskForm(
                    initial={"organization": organization_id}, auto_id=f"id_%s_{organization_id}"
                ),
            }
        )
    return groups


def _own_patient(user, organization_id: int) -> Patient:
    """The login's record at ``organization_id``; 404 for an organization they are not a patient of."""
    # Read to the end, so each organization's scope is left before the next one is entered.
    found = dict(_records(user))
    if organization_id not in found:
        raise Http404
    return found[organization_id]


@portal_view
def erasure_view(request):
    if not request.user.is_authenticated:
        return _login_redirect(request)
    if request.method != "POST":
        return render(request, "portal/account/erasure.html", _ctx(request, groups=_groups(request.user)))
    organization_field = request.POST.get("organization", "").strip()
    form = ErasureAskForm(request.POST, auto_id=f"id_%s_{organization_field[:20]}")
    if not form.is_valid():
        if "organization" in form.errors:
            raise Http404  # a malformed organization id: the same answer as one that is not theirs
        groups = _groups(request.user)
        for group in groups:
            if str(group["organization"].pk) == organization_field:
                group["form"] = form  # shows the error beside the message the patient wrote
        return render(request, "portal/account/erasure.html", _ctx(request, groups=groups), status=400)
    organization_id = form.cleaned_data["organization"]
    patient = _own_patient(request.user, organization_id)
    note = form.cleaned_data["note"]
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "portal/account/erasure_confirm.html",
            _ctx(request, organization=patient.organization, form=form, note=note),
        )
    with scope(organization=organization_id):
        try:
            with transaction.atomic():
                created = erasure_service.record_request(
                    patient, by=request.user, channel=RequestChannel.PORTAL, note=note
                )
                tell_owners_of_erasure_request(created)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(f"{_base(request)}account/erasure/")
    messages.success(
        request,
        _("Your request is sent to %(practice)s. You will see its decision here.")
        % {"practice": patient.organization.name},
    )
    return redirect(f"{_base(request)}account/erasure/")
