"""The record of processing activities (GDPR Art. 30) in Settings: the owner reads, edits and prints it;
each save is kept as a version and the history lists them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.compliance import processing_record
from core.compliance.models import ProcessingRecord
from core.forms import StyledModelForm
from core.tenancy.access import check_perm

from ..decorators import member_required


class ProcessingRecordForm(StyledModelForm):
    # The version the owner edited: a newer one saved meanwhile is shown before anything is overwritten.
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)

    class Meta:
        model = ProcessingRecord
        fields = ProcessingRecord.CONTENT_FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in ProcessingRecord.CONTENT_FIELDS}


def _content(record: ProcessingRecord | None, organization) -> dict[str, str]:
    if record is None:
        return processing_record.first_draft(organization)
    return {name: getattr(record, name) for name in ProcessingRecord.CONTENT_FIELDS}


@member_required
def processing_record_page(request):
    check_perm(request, "compliance.manage_processing_record", request.organization)
    organization = request.organization
    current = processing_record.current_record(organization)
    initial = {**_content(current, organization), "based_on": current.number if current else 0}
    form = ProcessingRecordForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = processing_record.save_version(
                organization, data, based_on=data["based_on"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
            status = 409
        else:
            messages.success(
                request, _("Version %(number)s of the record is saved.") % {"number": saved.number}
            )
            return redirect("office:processing_record")
    elif form.errors:
        status = 400
    return render(
        request,
        "office/privacy/processing_record.html",
        {"form": form, "current": current, "versions": processing_record.versions(organization)},
        status=status,
    )


@member_required
def processing_record_print(request):
    """The record as a printable page: the current version, or ``?version=N`` from the history."""
    check_perm(request, "compliance.manage_processing_record", request.organization)
    organization = request.organization
    wanted = request.GET.get("version", "")
    if wanted:
        if not wanted.isdigit() or len(wanted) > 9:
            raise Http404
        record = ProcessingRecord.objects.filter(organization_id=organization.pk, number=int(wanted)).first()
        if record is None:
            raise Http404
    else:
        record = processing_record.current_record(organization)
    content = _content(record, organization)
    form = ProcessingRecordForm()
    rows = [(form.fields[name].label, content[name]) for name in ProcessingRecord.CONTENT_FIELDS]
    return render(
        request,
        "office/privacy/processing_record_print.html",
        {"record": record, "rows": rows, "organization": organization},
    )
