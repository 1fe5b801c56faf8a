"""Note templates (versioned), notes (draft → signed → locked) and their addenda."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.patients.models import Patient
from core.tenancy.models import Clinic, Membership, TenantModel

from .encounters import Encounter


class NoteTemplate(TenantModel):
    """A kind of note the organization writes (SOAP, progress note): its versions hold the fields."""

    name = models.CharField(_("name"), max_length=120)
    # Set for the templates the product ships: their labels are translated when shown.
    shipped_key = models.CharField(max_length=40, blank=True, editable=False)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("note template")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="rec_template_name_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name as the reader's language says it (shipped templates are translated)."""
        return gettext(self.name) if self.shipped_key else self.name


class NoteTemplateVersion(TenantModel):
    """One published state of a template. Editing a template adds a version; notes keep theirs."""

    template = models.ForeignKey(NoteTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    # {"sections": [{"key", "label", "fields": [{"key", "label", "type", ...}]}]}: see template_schema.py
    schema = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["template_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "template", "number"], name="rec_template_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"


class NoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    LOCKED = "locked", _("Locked")


class Privacy(models.TextChoices):
    CLINICAL = "clinical", _("All clinical staff")
    PRACTITIONERS = "practitioners", _("Practitioners only")
    AUTHOR = "author", _("Only me")


class Note(TenantModel):
    """A clinical note written from a template version.

    Once signed, its content, hash, template, patient, author and signature are fixed: a trigger refuses
    any change to them, and any delete (migration 0002). Later steps only fill in fields still empty:
    the lock time, the co-signature, the entered-in-error mark.
    """

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="notes")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    template_version = models.ForeignKey(NoteTemplateVersion, on_delete=models.PROTECT, related_name="notes")
    content = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=NoteStatus.choices, default=NoteStatus.DRAFT
    )
    privacy = models.CharField(
        _("visible to"), max_length=20, choices=Privacy.choices, default=Privacy.CLINICAL
    )
    shared_with_patient = models.BooleanField(_("shared with the patient"), default=False)
    # Bumped by every draft save; an autosave carries the revision it was typed on, so an older tab
    # cannot overwrite newer typing.
    revision = models.PositiveIntegerField(default=1)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    cosign_required = models.BooleanField(default=False)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cosigned_at = models.DateTimeField(_("co-signed"), null=True, blank=True)
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_in_error_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("note")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(signed_at__isnull=False) & Q(signed_by__isnull=False) & ~Q(content_sha256="")),
                name="rec_note_signed_has_signature",
            ),
            models.CheckConstraint(
                condition=~Q(status="locked") | Q(locked_at__isnull=False), name="rec_note_locked_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "patient", "-created_at"], name="rec_note_patient"),
            models.Index(fields=["organization", "author", "status"], name="rec_note_author_status"),
            models.Index(fields=["organization", "encounter"], name="rec_note_encounter"),
        ]

    def __str__(self) -> str:
        return f"{self.template_version.template.name} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == NoteStatus.DRAFT

    @property
    def entered_in_error(self) -> bool:
        return self.entered_in_error_at is not None


class Addendum(TenantModel):
    """A signed correction or addition to a signed note. Append-only: a trigger refuses UPDATE and DELETE."""

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    text = models.TextField(_("addendum"))
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)
    content_sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        ordering = ["signed_at", "id"]
        indexes = [models.Index(fields=["organization", "note"], name="rec_addendum_note")]


class SignatureMeaning(models.TextChoices):
    AUTHOR = "author", _("Signed by the author")
    COSIGN = "cosign", _("Co-signed")


class NoteSignature(TenantModel):
    """Who signed a note, in what capacity, when, and the hash they signed. One per note and meaning (a
    unique constraint: two parallel signings cannot both land); append-only (a trigger refuses changes)."""

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="signatures")
    meaning = models.CharField(max_length=10, choices=SignatureMeaning.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)
    content_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "note", "meaning"], name="rec_one_signature_per_meaning"
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="rec_signature_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]
