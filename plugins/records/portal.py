"""The patient's shared visit notes in the portal, mounted under ``/c/<clinic_slug>/account/records/``.

The portal wraps every view (``portal_site.access.portal_module_view``): records off at the clinic → 404,
not signed in → the portal's sign-in; the clinic's organization scope is active. A patient reaches a note
only through their login's own patient link (``core.patients.accounts.patient_in``), and only a signed note
the clinician shared; fields marked clinician-only are left out of the page and the PDF.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from core.audit.recording import shows
from core.audit.vocabulary import Action, Category
from core.patients.accounts import patient_in
from core.tenancy.access import parse_id
from core.tenancy.modules import is_module_enabled

from . import note_display
from .models import ChartFile, Note, NoteStatus
from .pdf import note_pdf


def shared_notes(patient):
    return (
        Note.objects.filter(
            organization_id=patient.organization_id,
            patient=patient,
            shared_with_patient=True,
            entered_in_error_at__isnull=True,
        )
        .exclude(status=NoteStatus.DRAFT)
        .select_related("template_version__template", "author__user", "clinic")
    )


def access_shared_note(request: HttpRequest, note_id: object) -> Note:
    clinic = request.portal_clinic
    patient = patient_in(request.user, clinic.organization_id)
    note = shared_notes(patient).filter(pk=parse_id(note_id)).first() if patient is not None else None
    if note is None or not is_module_enabled(note.clinic, "records"):
        raise Http404
    return note


def _context(request: HttpRequest, **extra: object) -> dict:
    from portal_site.api import clinic_base_url, portal_context

    return {
        **portal_context(request, request.portal_clinic),
        "base": clinic_base_url(request.portal_clinic, request),
        **extra,
    }


def shared_files(patient):
    return ChartFile.objects.filter(
        organization_id=patient.organization_id,
        patient=patient,
        visible_to_patient=True,
        entered_in_error=False,
    ).select_related("clinic")


@shows(Category.CLINICAL_NOTES, Category.FILES)
def my_notes(request: HttpRequest) -> HttpResponse:
    patient = patient_in(request.user, request.portal_clinic.organization_id)
    notes = list(shared_notes(patient).order_by("-signed_at")[:100]) if patient is not None else []
    files = list(shared_files(patient)[:100]) if patient is not None else []
    return render(request, "records/portal/notes.html", _context(request, notes=notes, files=files))


@shows(Category.FILES, action=Action.DOWNLOAD)
def file_download(request: HttpRequest, file_id: str) -> HttpResponse:
    patient = patient_in(request.user, request.portal_clinic.organization_id)
    record = shared_files(patient).filter(pk=parse_id(file_id)).first() if patient is not None else None
    if record is None or not is_module_enabled(record.clinic, "records"):
        raise Http404
    response = FileResponse(
        record.file.open("rb"),
        content_type=record.content_type,
        as_attachment=True,
        filename=record.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@shows(Category.CLINICAL_NOTES)
def note_detail(request: HttpRequest, note_id: str) -> HttpResponse:
    note = access_shared_note(request, note_id)
    return render(
        request,
        "records/portal/note.html",
        _context(
            request,
            note=note,
            sections=note_display.sections(note, for_patient=True),
            addenda=list(note.addenda.order_by("signed_at", "id")),
        ),
    )


@shows(Category.CLINICAL_NOTES, action=Action.PRINT)
def note_download(request: HttpRequest, note_id: str) -> HttpResponse:
    note = access_shared_note(request, note_id)
    response = HttpResponse(note_pdf(note), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="note-{note.pk}.pdf"'
    return response


urlpatterns = [
    path("", my_notes, name="notes"),
    path("notes/<str:note_id>/", note_detail, name="note"),
    path("notes/<str:note_id>/pdf/", note_download, name="note_pdf"),
    path("files/<str:file_id>/", file_download, name="file"),
]
