"""What notifications shows on the patient page: the latest messages sent to the patient from here."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.plugins.types import PatientSection

from .selectors import clinic_messages

SHOWN = 5


def patient_sections(request, clinic, patient) -> list[PatientSection]:
    if not request.user.has_perm("notifications.view_messages", clinic):
        return []
    rows = list(
        clinic_messages(clinic)
        .filter(patient=patient)
        .only("id", "created_at", "channel", "message_type", "status", "subject", "recipient")[: SHOWN + 1]
    )
    url = reverse("office:notifications:patient_messages", kwargs={"clinic_slug": clinic.slug})
    return [
        PatientSection(
            _("Messages"),
            "notifications/patient_section.html",
            {"rows": rows[:SHOWN], "more": len(rows) > SHOWN, "url": f"{url}?patient={patient.pk}"},
            order=40,
        )
    ]
