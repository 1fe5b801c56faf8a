"""The patient's appointments on their chart's timeline (``clinic_patient_timeline_entries``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.audit.vocabulary import Category
from core.plugins.types import TimelineEntry

from .models import Appointment, Status

STRUCK = (Status.CANCELLED_CLINIC, Status.CANCELLED_PATIENT, Status.NO_SHOW)


def timeline_entries(request, clinic, patient, before, limit, kinds) -> list[TimelineEntry]:
    """Up to ``limit`` of the patient's appointments at any clinic of the organization, newest first, older
    than ``before``: one indexed query."""
    if kinds and "appointment" not in kinds:
        return []
    if not request.user.has_perm("scheduling.view_calendar", clinic):
        return []
    appointments = Appointment.objects.filter(organization_id=patient.organization_id, patient=patient)
    if before is not None:
        appointments = appointments.filter(start__lt=before)
    rows = appointments.select_related("service", "practitioner__user", "clinic").order_by("-start", "-id")[
        :limit
    ]
    return [
        TimelineEntry(
            kind="appointment",
            kind_label=_("Appointment"),
            at=row.start,
            title=f"{row.service.name} · {row.get_status_display()}",
            detail=f"{row.practitioner.name} · {row.clinic.name}",
            url=reverse(
                "office:scheduling:appointment_edit", kwargs={"clinic_slug": clinic.slug, "pk": row.pk}
            )
            if row.clinic_id == clinic.pk
            else "",
            struck=row.status in STRUCK,
            key=f"appointment-{row.pk}",
            shows=Category.APPOINTMENTS,
        )
        for row in rows
    ]
