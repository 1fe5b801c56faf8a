"""Writing notes: a new draft (optionally copied forward), saving a draft, signing, locking.

Signing is the one step that must never happen twice: it locks the note's row, refuses a note that is no
longer a draft, and the signature table's unique constraint backs the lock.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tenancy.models import Membership

from ..models import (
    Encounter,
    Note,
    NoteSignature,
    NoteStatus,
    NoteTemplateVersion,
    Privacy,
    RecordsSettings,
    SignatureMeaning,
)
from ..template_schema import clean_content


class StaleDraft(ValidationError):
    """The draft was saved from elsewhere since this copy was loaded."""


class AlreadySigned(ValidationError):
    """The note is no longer a draft."""


def settings_for(clinic) -> RecordsSettings:
    found = RecordsSettings.objects.filter(organization_id=clinic.organization_id, clinic=clinic).first()
    return found or RecordsSettings(organization_id=clinic.organization_id, clinic=clinic)


def canonical_hash(note: Note, content: dict | None = None) -> str:
    """SHA-256 of the note's canonical JSON: what was written, from which template version, about whom."""
    body = {
        "note": note.pk,
        "patient": note.patient_id,
        "template_version": note.template_version_id,
        "content": note.content if content is None else content,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def last_note_content(encounter: Encounter, version: NoteTemplateVersion) -> dict:
    """The content of the patient's latest signed note from the same template, reduced to the fields the
    chosen version still has: what "copy forward" starts from."""
    last = (
        Note.objects.filter(
            organization_id=encounter.organization_id,
            patient_id=encounter.patient_id,
            template_version__template_id=version.template_id,
            entered_in_error_at__isnull=True,
        )
        .exclude(status=NoteStatus.DRAFT)
        .order_by("-signed_at")
        .values_list("content", flat=True)
        .first()
    )
    if not last:
        return {}
    keys = {f["key"] for s in version.schema["sections"] for f in s["fields"]}
    return {k: v for k, v in last.items() if k in keys}


def create_note(
    encounter: Encounter,
    version: NoteTemplateVersion,
    *,
    author: Membership,
    privacy: str = Privacy.CLINICAL,
    copy_forward: bool = False,
) -> Note:
    if privacy not in Privacy.values:
        raise ValidationError({"privacy": _("Choose who may read the note.")})
    if version.organization_id != encounter.organization_id:
        raise ValidationError({"template": _("Choose one of your templates.")})
    return Note.objects.create(
        organization_id=encounter.organization_id,
        encounter=encounter,
        clinic_id=encounter.clinic_id,
        patient_id=encounter.patient_id,
        author=author,
        template_version=version,
        privacy=privacy,
        content=last_note_content(encounter, version) if copy_forward else {},
        cosign_required=settings_for(encounter.clinic).require_cosign,
    )


@transaction.atomic
def save_draft(note: Note, raw: dict, *, revision: int | None, privacy: str | None = None) -> Note:
    """Store what was typed so far. ``revision`` is the draft revision the typing started from: a save
    from an older copy (another tab, another device) is refused rather than overwriting newer text."""
    note = Note.objects.select_for_update().get(pk=note.pk)
    if note.status != NoteStatus.DRAFT:
        raise AlreadySigned(_("This note is signed and can no longer be edited. Add an addendum instead."))
    if revision is not None and revision != note.revision:
        raise StaleDraft(
            _("This draft was saved elsewhere since you opened it. Reload to see the latest text.")
        )
    note.content = clean_content(note.template_version.schema, raw)
    if privacy is not None:
        if privacy not in Privacy.values:
            raise ValidationError({"privacy": _("Choose who may read the note.")})
        note.privacy = privacy
    note.revision += 1
    note.updated_at = timezone.now()
    note.save(update_fields=["content", "privacy", "revision", "updated_at"])
    return note


@transaction.atomic
def sign_note(note: Note, *, by, raw: dict | None = None) -> Note:
    """Sign the draft: fix its content and hash, record the signature, and lock it now or later as the
    clinic says. A note signed meanwhile (a second click, another tab) is refused with ``AlreadySigned``."""
    note = Note.objects.select_for_update().select_related("template_version", "clinic").get(pk=note.pk)
    if note.status != NoteStatus.DRAFT:
        raise AlreadySigned(_("This note was already signed."))
    content = clean_content(
        note.template_version.schema, note.content if raw is None else raw, for_signing=True
    )
    now = timezone.now()
    note.content = content
    note.content_sha256 = canonical_hash(note, content)
    note.status = NoteStatus.SIGNED
    note.signed_by = by
    note.signed_at = now
    if settings_for(note.clinic).lock_on_sign:
        note.status, note.locked_at = NoteStatus.LOCKED, now
    note.updated_at = now
    note.save()
    NoteSignature.objects.create(
        organization_id=note.organization_id,
        note=note,
        meaning=SignatureMeaning.AUTHOR,
        signer=by,
        signed_at=now,
        content_sha256=note.content_sha256,
    )
    return note


def lock_due_notes(clinic) -> int:
    """Lock the clinic's signed notes whose time to stay open has passed (the periodic task)."""
    hours = settings_for(clinic).auto_lock_hours
    due = Note.objects.filter(
        organization_id=clinic.organization_id,
        clinic=clinic,
        status=NoteStatus.SIGNED,
        signed_at__lte=timezone.now() - timedelta(hours=hours),
    )
    return due.update(status=NoteStatus.LOCKED, locked_at=timezone.now())


@transaction.atomic
def set_shared(note: Note, shared: bool) -> Note:
    """Share a signed note with the patient or stop sharing it (not part of the signed content)."""
    note = Note.objects.select_for_update().get(pk=note.pk)
    if note.status == NoteStatus.DRAFT:
        raise AlreadySigned(_("Sign the note before sharing it with the patient."))
    note.shared_with_patient = shared
    note.save(update_fields=["shared_with_patient"])
    return note
