"""The PDF of a signed note (WeasyPrint): its fields (as the patient receives it, those the patient may
read), the addenda, who signed and when, and the note's SHA-256. A signed note never changes, so it is
rendered on request rather than stored."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from . import note_display
from .models import Note


def note_pdf(note: Note, *, for_patient: bool = True) -> bytes:
    """The note as a PDF; ``for_patient`` leaves out the fields marked clinician-only."""
    import weasyprint

    language = note.patient.preferred_language or note.clinic.locale
    with translation.override(language):
        html = render_to_string(
            "records/note_pdf.html",
            {
                "note": note,
                "sections": note_display.sections(note, for_patient=for_patient),
                "addenda": list(note.addenda.order_by("signed_at", "id")),
            },
        )
    return weasyprint.HTML(string=html, base_url="file:///").write_pdf()
