"""Patients' privacy rights in the back office: a patient's data download, erasure requests (recorded,
reviewed against the retention rules, carried out), and the organization's full export for its owner."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit.recording import record_list
from core.audit.vocabulary import Category
from core.compliance import erasure
from core.compliance.access import access_erasure_request
from core.compliance.consents import notice_version
from core.compliance.models import ErasureRequest, RequestChannel
from core.compliance.notice_followup import count_not_agreed
from core.compliance.organization_export import write_organization_zip
from core.compliance.packs import country_name, pack_for
from core.compliance.patient_export import write_zip
from core.forms import StyledForm
from core.patients.access import access_patient
from core.tenancy.access import check_perm

from ..decorators import member_required


class ErasureRequestForm(StyledForm):
    note = forms.CharField(
        label=_("How the request reached you (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@member_required
def patient_data_download(request, pk):
    """The patient's data download (Art. 15/20), as the portal gives it, for the patient who asks at
    the desk: their part in this organization only."""
    patient = access_patient(request, pk, permission="compliance.export_patient_data")
    stamp = timezone.localdate().isoformat()
    return FileResponse(
        write_zip([patient]),
        as_attachment=True,
        filename=f"patient-{patient.display_record_number}-{stamp}.zip",
    )


@member_required
@require_POST
def erasure_request_create(request, pk):
    patient = access_patient(request, pk, permission="compliance.manage_erasure_requests")
    form = ErasureRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note is too long (500 characters at most)."))
        return redirect("office:patient_detail", pk=patient.pk)
    try:
        created = erasure.record_request(
            patient, by=request.user, channel=RequestChannel.OFFICE, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("office:patient_detail", pk=patient.pk)
    messages.success(request, _("Erasure request recorded. Review what the law lets you erase, then decide."))
    return redirect("office:erasure_request", pk=created.pk)


@member_required
def privacy_requests(request):
    check_perm(request, "compliance.manage_erasure_requests", request.organization)
    requests = (
        ErasureRequest.objects.filter(organization=request.organization)
        .select_related("patient")
        .order_by("-requested_at", "-id")[:200]
    )
    # The access log: each patient named on the list.
    record_list([r.patient for r in requests], Category.DEMOGRAPHICS)
    pack = pack_for(request.organization)
    notice = None
    if request.user.has_perm("compliance.follow_up_privacy_notice", request.organization):
        # The notice the patients agree to, and how many have not agreed to it yet (one count).
        notice = {
            "version": notice_version(request.organization),
            "not_agreed": count_not_agreed(request.organization),
        }
    return render(
        request,
        "office/privacy/requests.html",
        {
            "requests": requests,
            "pack": pack,
            "country": country_name(pack.country) if pack else "",
            "notice": notice,
        },
    )


@member_required
def erasure_request_detail(request, pk):
    """A request, with what carrying it out would do today (or what was done), class by class."""
    found = access_erasure_request(request, pk)
    plan, problem = [], ""
    if found.is_pending:
        try:
            plan = erasure.preview(found)
        except ValidationError as error:
            problem = " ".join(error.messages)
    status = 200
    if request.method == "POST":
        try:
            found = erasure.carry_out(found, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 400
        else:
            messages.success(request, found.get_status_display())
            return redirect("office:erasure_request", pk=found.pk)
    return render(
        request,
        "office/privacy/erasure_request.html",
        {"erasure": found, "plan": plan, "problem": problem},
        status=status,
    )


@member_required
def organization_export(request):
    """The owner's export of everything the organization keeps: a page that explains it, and the ZIP
    on POST (a download that reads every table is not something a link prefetch should start)."""
    check_perm(request, "tenancy.export_organization", request.organization)
    if request.method == "POST":
        stamp = timezone.localdate().isoformat()
        return FileResponse(
            write_organization_zip(request.organization),
            as_attachment=True,
            filename=f"{request.organization.slug}-export-{stamp}.zip",
        )
    return render(request, "office/privacy/organization_export.html")
