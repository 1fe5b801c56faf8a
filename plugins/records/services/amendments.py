"""Corrections to signed notes: addenda, entered-in-error marks, co-signatures. None rewrites the note."""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tenancy.models import Membership

from ..models import Addendum, Note, NoteSignature, NoteStatus, SignatureMeaning
from .notes import AlreadySigned


def _signed_note(note: Note) -> Note:
    note = Note.objects.select_for_update().get(pk=note.pk)
    if note.status == NoteStatus.DRAFT:
        raise ValidationError(_("A draft is corrected by editing it; addenda follow a signed note."))
    return note


@transaction.atomic
def add_addendum(note: Note, *, author: Membership, by, reason: str, text: str) -> Addendum:
    """Append a signed addendum to a signed note; the note itself stays exactly as signed."""
    reason, text = reason.strip(), text.replace("\r\n", "\n").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say why you are adding to the note.")
    if not text:
        errors["text"] = _("Write the addendum.")
    if len(text) > 20_000:
        errors["text"] = _("At most 20000 characters.")
    if errors:
        raise ValidationError(errors)
    note = _signed_note(note)
    now = timezone.now()
    body = {"note": note.pk, "note_sha256": note.content_sha256, "reason": reason, "text": text}
    digest = hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    return Addendum.objects.create(
        organization_id=note.organization_id,
        note=note,
        author=author,
        reason=reason[:300],
        text=text,
        signed_by=by,
        signed_at=now,
        content_sha256=digest,
    )


@transaction.atomic
def mark_entered_in_error(note: Note, *, by, reason: str) -> Note:
    """Strike a signed note through: it stays readable, with who marked it, when and why."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the note was entered in error.")})
    note = _signed_note(note)
    if note.entered_in_error_at is not None:
        raise AlreadySigned(_("This note is already marked as entered in error."))
    note.entered_in_error_at = timezone.now()
    note.entered_in_error_by = by
    note.entered_in_error_reason = reason[:500]
    note.save(update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"])
    return note


@transaction.atomic
def cosign_note(note: Note, *, by) -> Note:
    """A supervisor's co-signature on a signed note that needs one (once: the signature table decides)."""
    note = _signed_note(note)
    if not note.cosign_required or note.cosigned_at is not None:
        raise AlreadySigned(_("This note needs no co-signature now."))
    now = timezone.now()
    try:
        with transaction.atomic():
            NoteSignature.objects.create(
                organization_id=note.organization_id,
                note=note,
                meaning=SignatureMeaning.COSIGN,
                signer=by,
                signed_at=now,
                content_sha256=note.content_sha256,
            )
    except IntegrityError:
        raise AlreadySigned(_("This note was already co-signed.")) from None
    note.cosigned_by, note.cosigned_at = by, now
    note.save(update_fields=["cosigned_by", "cosigned_at"])
    return note
