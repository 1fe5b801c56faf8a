"""A patient's own appointments in the portal: the "My appointments" section of their account page (every
organization they are a patient of, each asked in its own scope), cancelling, moving to another free time,
the calendar file, and the appointments in their data download.

Cancel, reschedule and the calendar file live under ``/c/<clinic_slug>/account/scheduling/appointments/``:
the portal's module gate has resolved the clinic, answered 404 where scheduling is off, sent visitors who
are not signed in to the sign-in page and opened the clinic's organization scope. The patient's record is
reached only through ``core.patients.accounts.patient_in``; anyone else's appointment is 404.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.plugins.types import DashboardWidget

from ..access import access_own_appointment
from ..selectors import booking_policy
from ..services import rescheduling, status
from ..services.conflicts import SlotTaken, StaleAppointment
from . import selectors as online
from .booking import account_address, portal_page_context


def account_section(request, organization, patient, clinics) -> list[DashboardWidget]:
    """The patient's appointments at ``clinics`` (those of ``organization`` where scheduling is on)."""
    rows = online.patient_appointments(clinics, patient.pk)
    by_pk = {c.pk: c for c in clinics}
    policies = {}
    items = []
    for appointment in rows:
        clinic = by_pk[appointment.clinic_id]
        if clinic.pk not in policies:
            policies[clinic.pk] = booking_policy(clinic)
        items.append(
            {
                "appointment": appointment,
                "clinic": clinic,
                "local_start": appointment.start.astimezone(clinic.tzinfo),
                "can_change": online.patient_may_change(appointment, policies[clinic.pk]),
                "base": f"/c/{clinic.slug}/account/scheduling/appointments/{appointment.pk}/",
            }
        )
    return [
        DashboardWidget(
            gettext_lazy("Appointments"),
            "scheduling/portal/appointments_section.html",
            {"items": items},
            order=10,
        )
    ]


def data_export(organization, patient) -> dict:
    """Every appointment of ``patient`` at ``organization``, whether or not scheduling is on today."""
    from core.tenancy.models import Clinic

    clinics = list(Clinic.objects.filter(organization_id=organization.pk))
    names = {c.pk: c.name for c in clinics}
    return {
        "appointments": [
            {
                "clinic": names.get(a.clinic_id),
                "service": a.service.name,
                "practitioner": a.practitioner.name,
                "start": a.start,
                "end": a.end,
                "status": a.status,
            }
            for a in online.patient_appointments(clinics, patient.pk, limit=None)
        ]
    }


def _own(request, appointment_id) -> tuple:
    return request.portal_clinic, access_own_appointment(request, appointment_id)


@require_POST
def cancel(request, appointment_id):
    clinic, appointment = _own(request, appointment_id)
    if not online.patient_may_change(appointment, booking_policy(clinic)):
        messages.error(
            request, _("This appointment can no longer be cancelled online. Please call the clinic.")
        )
        return redirect(account_address(request))
    try:
        status.cancel(
            appointment,
            by_patient=True,
            by=request.user,
            reason=_("Cancelled online"),
            expected_version=online.positive_int(request.POST.get("version")) or 0,
        )
    except StaleAppointment:
        messages.error(request, _("This appointment was changed meanwhile. Please look at it again."))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Your appointment is cancelled."))
    return redirect(account_address(request))


@require_http_methods(["GET", "POST"])
def reschedule(request, appointment_id):
    clinic, appointment = _own(request, appointment_id)
    context = portal_page_context(
        request, appointment=appointment, local_start=appointment.start.astimezone(clinic.tzinfo)
    )
    if request.method == "POST":
        moved = _move(request, clinic, appointment, context)
        if moved:
            messages.success(request, _("Your appointment is moved."))
            return redirect(account_address(request))
    today = timezone.now().astimezone(clinic.tzinfo).date()
    day = online.parse_day(request.GET.get("date"))
    day = max(day or appointment.start.astimezone(clinic.tzinfo).date(), today)
    day = min(day, today + timedelta(days=365))
    context["day"] = day
    context["next_day"] = day + timedelta(days=1)
    context["prev_day"] = day - timedelta(days=1) if day > today else None
    if "slots" not in context:
        context["slots"] = online.free_slots(
            clinic,
            appointment.service,
            appointment.practitioner_id,
            day,
            exclude_appointment_id=appointment.pk,
        )
    return render(request, "scheduling/portal/reschedule.html", context)


def _move(request, clinic, appointment, context) -> bool:
    """Move ``appointment`` to the posted time; False (with a message or the next free times) otherwise."""
    start = online.parse_start(request.POST.get("start", ""), clinic)
    if start is None:
        messages.error(request, _("Choose one of the times offered."))
        return False
    if not online.patient_may_change(appointment, booking_policy(clinic)):
        messages.error(request, _("This appointment can no longer be moved online. Please call the clinic."))
        return False
    try:
        rescheduling.reschedule(
            appointment,
            expected_version=online.positive_int(request.POST.get("version")) or 0,
            start=start,
            by=request.user,
        )
    except StaleAppointment:
        messages.error(request, _("This appointment was changed meanwhile. Please look at it again."))
    except SlotTaken:
        context["taken"] = True
        context["slots"] = online.next_free_slots(
            clinic, appointment.service, appointment.practitioner_id, start
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        return True
    return False


def calendar_file(request, appointment_id):
    clinic, appointment = _own(request, appointment_id)
    fmt = "%Y%m%dT%H%M%SZ"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Clinic EHR//Portal//EN",
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.organization_id}-{appointment.pk}@clinic-ehr",
        f"DTSTAMP:{timezone.now().strftime(fmt)}",
        f"DTSTART:{appointment.start.astimezone(UTC).strftime(fmt)}",
        f"DTEND:{appointment.end.astimezone(UTC).strftime(fmt)}",
        "SUMMARY:" + _ics_text(f"{appointment.service.name} – {clinic.name}"),
        "LOCATION:" + _ics_text(", ".join(p for p in [clinic.address_line1, clinic.city] if p)),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    response = HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    return response


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
