"""The clinic option "require a signed note before invoicing a visit", heard through billing's issue veto.

Billing names a visit by its appointment id on an ``appointment`` line; the visit counts as documented when
its encounter has a signed note that was not entered in error.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.plugins import events

from ..models import Note, NoteStatus
from .notes import settings_for


def undocumented_visits(clinic, appointment_ids: list[int]) -> list[int]:
    """Which of ``appointment_ids`` have no signed note yet."""
    documented = set(
        Note.objects.filter(
            organization_id=clinic.organization_id,
            encounter__appointment_id__in=appointment_ids,
            entered_in_error_at__isnull=True,
        )
        .exclude(status=NoteStatus.DRAFT)
        .values_list("encounter__appointment_id", flat=True)
    )
    return [a for a in appointment_ids if a not in documented]


def refuse_undocumented_visits(clinic, event: events.InvoiceIssuing) -> None:
    ids = [
        int(line.reference) for line in event.lines if line.kind == "appointment" and line.reference.isdigit()
    ]
    # An invoice without a visit on it is never refused: the clinic's option is not even read then.
    if not ids or not settings_for(clinic).require_signed_note_for_invoice:
        return
    if undocumented_visits(clinic, ids):
        raise ValidationError(
            _("This clinic invoices a visit only once its note is signed. Sign the visit's note, then issue.")
        )
