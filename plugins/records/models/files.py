"""Files attached to a patient's chart or to one of their notes (images and PDFs)."""

from __future__ import annotations

import uuid

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.patients.models import Patient
from core.tenancy.models import Clinic, TenantModel

from .notes import Note


def stored_name(instance, filename: str) -> str:
    # A random name, never the uploaded one: the address reveals nothing, and only the chart's download
    # page (which checks who asks) serves the file.
    return f"records-files/{instance.organization_id}/{uuid.uuid4().hex}"


def thumbnail_name(instance, filename: str) -> str:
    return f"records-files/{instance.organization_id}/{uuid.uuid4().hex}-thumb.png"


@pghistory.track(exclude=["file", "thumbnail"])
class ChartFile(TenantModel):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    note = models.ForeignKey(Note, on_delete=models.PROTECT, null=True, blank=True, related_name="files")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=stored_name, max_length=200)
    thumbnail = models.FileField(upload_to=thumbnail_name, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # FHIR's Attachment.hash is a SHA-1: kept with the file so serving a page of documents reads no file.
    sha1 = models.CharField(max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    visible_to_patient = models.BooleanField(_("visible to the patient"), default=False)
    entered_in_error = models.BooleanField(_("entered in error"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Sharing with the patient or striking the file through changes what is served about it.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("file")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "patient", "-created_at"], name="rec_file_patient")]
