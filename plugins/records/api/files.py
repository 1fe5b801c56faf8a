"""Files of a chart: list, attach (multipart upload), checked as in the office."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from core.audit.recording import api_shows
from core.audit.vocabulary import Category

from ..access import access_chart
from ..models import ChartFile
from ..services import files
from .common import ERRORS, require_writer

router = Router()


class FileOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    description: str
    visible_to_patient: bool
    entered_in_error: bool
    note_id: int | None
    created_at: datetime


@router.get("/patients/{patient_id}/files", response={200: list[FileOut], **ERRORS}, summary="Files")
@api_shows(Category.FILES)
def list_files(request: HttpRequest, patient_id: str) -> list:
    patient = access_chart(request, patient_id)
    return list(ChartFile.objects.filter(organization_id=patient.organization_id, patient=patient)[:500])


@router.post("/patients/{patient_id}/files", response={201: FileOut, **ERRORS}, summary="Attach a file")
@api_shows(Category.FILES)
def attach(
    request: HttpRequest,
    patient_id: str,
    # Optional in the signature so the chart is checked first (another organization's patient is a 404
    # whatever the body holds); a missing file is then the service's field error.
    file: File[UploadedFile | None] = None,
    description: Form[str] = "",
    visible_to_patient: Form[bool] = False,
) -> Status:
    patient = access_chart(request, patient_id)
    require_writer(request)
    record = files.attach_file(
        request.clinic,
        patient,
        file,
        by=request.user,
        description=description[:300],
        visible_to_patient=visible_to_patient,
    )
    return Status(201, record)
