"""Attaching files to a chart: only images and PDFs, checked by their content (not their name), within a
size limit, stored through Django's storage with their SHA-256 and, for images, a thumbnail."""

from __future__ import annotations

import hashlib
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.patients.models import Patient
from core.tenancy.models import Clinic

from ..models import ChartFile, Note

MAX_BYTES = getattr(settings, "EHR_RECORDS_MAX_FILE_BYTES", 20 * 1024 * 1024)
THUMBNAIL_PX = 240

# The first bytes of each accepted kind: what the file is, whatever its name says.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniff(head: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


def _thumbnail(data: bytes) -> bytes:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()  # a truncated or forged image is refused here
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            out = io.BytesIO()
            image.convert("RGB").save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError({"file": _("This image cannot be read. Upload a JPEG or PNG.")}) from None


def attach_file(
    clinic: Clinic,
    patient: Patient,
    upload,
    *,
    by,
    note: Note | None = None,
    description: str = "",
    visible_to_patient: bool = False,
) -> ChartFile:
    """Store ``upload`` (an UploadedFile) on the patient's chart, or on ``note`` of that patient."""
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")})
    if upload.size > MAX_BYTES:
        raise ValidationError(
            {"file": _("The file is too large: at most %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}}
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)  # another reader (the request parser) may have read it already
    data = upload.read()
    kind = sniff(data[:16])
    if kind is None:
        raise ValidationError({"file": _("Only PDF, JPEG and PNG files can be attached.")})
    if note is not None and note.patient_id != patient.pk:
        raise ValidationError({"note": _("Choose a note of this patient.")})
    thumbnail = _thumbnail(data) if kind.startswith("image/") else None
    digest = hashlib.sha256(data).hexdigest()
    sha1 = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    with transaction.atomic():
        record = ChartFile(
            organization_id=patient.organization_id,
            patient=patient,
            clinic=clinic,
            note=note,
            uploaded_by=by,
            original_name=(upload.name or "file")[-200:],
            content_type=kind,
            size=len(data),
            sha256=digest,
            sha1=sha1,
            description=description.strip()[:300],
            visible_to_patient=visible_to_patient,
        )
        record.file.save("upload", ContentFile(data), save=False)
        if thumbnail is not None:
            record.thumbnail.save("thumb", ContentFile(thumbnail), save=False)
        # The files are written before the row; if the row fails, remove them again (nothing half written).
        try:
            record.save()
        except Exception:
            record.file.delete(save=False)
            if record.thumbnail:
                record.thumbnail.delete(save=False)
            raise
    return record


@transaction.atomic
def change_file(
    record: ChartFile, *, visible_to_patient: bool | None = None, entered_in_error: bool | None = None
):
    record = ChartFile.objects.select_for_update().get(pk=record.pk)
    if visible_to_patient is not None:
        record.visible_to_patient = visible_to_patient
    if entered_in_error is not None:
        record.entered_in_error = entered_in_error
        if entered_in_error:
            record.visible_to_patient = False
    record.updated_at = timezone.now()
    record.save(update_fields=["visible_to_patient", "entered_in_error", "updated_at"])
    return record
