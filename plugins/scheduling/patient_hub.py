"""What scheduling shows on the patient page (their upcoming and past appointments here) and finds for the
office search (the upcoming appointments of the patients found)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit.vocabulary import Category
from core.dates import day_and_time
from core.plugins.types import PatientSection, SearchGroup, SearchHit

from .models import Appointment

SHOWN = 5


def _appointments(clinic, **filters):
    return (
        Appointment.objects.filter(organization_id=clinic.organization_id, clinic=clinic, **filters)
        .select_related("service", "practitioner__user", "patient")
        .only(
            "id",
            "start",
            "end",
            "status",
            "patient__id",
            "patient__given_name",
            "patient__family_name",
            "service__name",
            "practitioner__display_name",
            "practitioner__user__full_name",
            "practitioner__user__email",
        )
    )


def when(appointment: Appointment, clinic) -> str:
    """ "Dec 7, 2026, 09:30" on the clinic's clock: ``core.dates``, like every date on the patient page."""
    return day_and_time(appointment.start, zone=clinic.tzinfo)


def _edit_url(clinic, appointment: Appointment) -> str:
    kwargs = {"clinic_slug": clinic.slug, "pk": appointment.pk}
    return reverse("office:scheduling:appointment_edit", kwargs=kwargs)


def _rows(clinic, appointments: list[Appointment]) -> list[dict]:
    return [{"appointment": a, "when": when(a, clinic), "url": _edit_url(clinic, a)} for a in appointments]


def patient_sections(request, clinic, patient) -> list[PatientSection]:
    if not request.user.has_perm("scheduling.view_calendar", clinic):
        return []
    now = timezone.now()
    upcoming = list(_appointments(clinic, patient=patient, start__gte=now).order_by("start")[: SHOWN + 1])
    past = list(_appointments(clinic, patient=patient, start__lt=now).order_by("-start")[:SHOWN])
    book = None
    if request.user.has_perm("scheduling.book_appointment", clinic):
        book = reverse("office:scheduling:appointment_create", kwargs={"clinic_slug": clinic.slug})
        book = f"{book}?patient={patient.pk}"
    return [
        PatientSection(
            _("Appointments"),
            "scheduling/patient_section.html",
            {
                "upcoming": _rows(clinic, upcoming[:SHOWN]),
                "more_upcoming": len(upcoming) > SHOWN,
                "past": _rows(clinic, past),
                "book_url": book,
            },
            order=10,
            shows=Category.APPOINTMENTS if upcoming or past else "",
        )
    ]


def office_search(request, clinic, query: str, patient_ids: list[int]) -> list[SearchGroup]:
    if not patient_ids or not request.user.has_perm("scheduling.view_calendar", clinic):
        return []
    upcoming = _appointments(clinic, patient_id__in=patient_ids, start__gte=timezone.now())
    found = upcoming.order_by("start")[:10]
    hits = tuple(
        SearchHit(
            label=f"{a.patient.full_name} · {when(a, clinic)}",
            url=_edit_url(clinic, a),
            details=f"{a.service.name} · {a.practitioner.name} · {a.get_status_display()}",
        )
        for a in found
    )
    return [SearchGroup(_("Upcoming appointments"), hits, order=20)]
