"""The chart's Files tab: upload, the list with thumbnails, download, and "visible to the patient"."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.audit.recording import shows
from core.audit.vocabulary import Action, Category
from core.forms import StyledForm, apply_errors
from core.office.decorators import member_required

from ..access import access_chart, access_list_entry
from ..models import ChartFile
from ..services import files
from .common import records_url, render_tab


class FileForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("File (PDF, JPEG or PNG)"))
    description = forms.CharField(label=gettext_lazy("Description"), max_length=300, required=False)
    visible_to_patient = forms.BooleanField(label=gettext_lazy("Visible to the patient"), required=False)


@member_required
@shows(Category.FILES)
def chart_files(request: HttpRequest, clinic_slug: str, patient_id: str) -> HttpResponse:
    patient = access_chart(request, patient_id)
    may_write = request.user.has_perm("records.write_chart", request.clinic)
    form = FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not may_write:
            raise Http404
        if form.is_valid():
            try:
                files.attach_file(
                    request.clinic,
                    patient,
                    form.cleaned_data["file"],
                    by=request.user,
                    description=form.cleaned_data["description"],
                    visible_to_patient=form.cleaned_data["visible_to_patient"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("File attached."))
                return redirect(records_url(request, "files", patient_id=patient.pk))
    rows = list(
        ChartFile.objects.filter(organization_id=patient.organization_id, patient=patient).select_related(
            "uploaded_by"
        )[:200]
    )
    return render_tab(
        request,
        patient,
        "files_tab.html",
        {"files": rows, "form": form, "may_write": may_write},
        tab="files",
        status=400 if form.errors else 200,
    )


def _file(request, pk):
    return access_list_entry(request, "files", pk)


@member_required
@shows(Category.FILES, action=Action.DOWNLOAD)
def file_download(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    record = _file(request, pk)
    which = record.thumbnail if request.GET.get("thumbnail") and record.thumbnail else record.file
    response = FileResponse(
        which.open("rb"),
        content_type="image/png" if which is record.thumbnail else record.content_type,
        as_attachment=which is record.file and record.content_type == "application/pdf",
        filename=record.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@member_required
@require_POST
@shows(Category.FILES)
def file_change(request: HttpRequest, clinic_slug: str, pk: str) -> HttpResponse:
    record = _file(request, pk)
    if not request.user.has_perm("records.write_chart", request.clinic):
        raise Http404
    action = request.POST.get("action")
    if action == "share":
        files.change_file(record, visible_to_patient=not record.visible_to_patient)
    elif action == "error":
        files.change_file(record, entered_in_error=True)
    messages.success(request, _("Changes saved."))
    return redirect(records_url(request, "files", patient_id=record.patient_id))
