"""Appointment reminders: recorded once per appointment and offset when their time comes.

The coming appointments are asked of the modules on at the clinic (``clinic_upcoming_appointments``), as
plain values: this module reads no other module's tables.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.patients.models import Patient
from core.tenancy.models import Clinic
from core.tenancy.modules import clinic_hook

from . import events
from .models import MessageType
from .services.config import language_for, settings_for
from .services.patient_messages import notify_patient


def reminder_window() -> timedelta:
    """How late a reminder may still go out; later than that (the system was down) it is recorded skipped."""
    return timedelta(minutes=int(getattr(settings, "NOTIFICATIONS_REMINDER_WINDOW_MINUTES", 30)))


def send_time(start: datetime, offset_minutes: int, tz) -> datetime:
    """When the reminder ``offset_minutes`` before ``start`` goes out.

    Whole days are counted on the clinic's wall clock (the "one day before" reminder of a 15:00
    appointment goes at 15:00 the day before, even across a DST change); the rest is real time.
    """
    days, minutes = divmod(int(offset_minutes), 24 * 60)
    local = start.astimezone(tz)
    wall = datetime.combine(local.date() - timedelta(days=days), local.time().replace(tzinfo=None), tzinfo=tz)
    return wall.astimezone(UTC) - timedelta(minutes=minutes)


def offsets_of(config) -> list[int]:
    values = []
    for value in config.reminder_offsets or []:
        try:
            minutes = int(value)
        except (TypeError, ValueError):
            continue
        if 0 < minutes <= 60 * 24 * 30:
            values.append(minutes)
    return sorted(set(values), reverse=True)


def create_due_reminders(clinic: Clinic, now: datetime | None = None) -> dict[str, int]:
    """Record the reminders whose time has come (once each), never for cancelled appointments, and record
    as skipped those whose time passed longer ago than the reminder window."""
    now = now or timezone.now()
    counts = {"queued": 0, "skipped": 0}
    config = settings_for(clinic)
    offsets = offsets_of(config)
    if not offsets:
        return counts
    horizon = now + timedelta(minutes=max(offsets)) + timedelta(days=1)
    asked = clinic_hook(clinic, "clinic_upcoming_appointments")(
        clinic=clinic, start_after=now, start_until=horizon
    )
    appointments = sorted((a for found in asked for a in found or ()), key=lambda a: a.start)
    patients = Patient.objects.filter(
        organization_id=clinic.organization_id, pk__in={a.patient_id for a in appointments}
    ).in_bulk()
    window = reminder_window()
    for appointment in appointments:
        for offset in offsets:
            due_at = send_time(appointment.start, offset, clinic.tzinfo)
            if due_at > now:
                continue
            # Booked or changed after this reminder's time: the confirmation told the patient already.
            if appointment.updated_at >= due_at:
                continue
            late = now - due_at > window
            patient = patients.get(appointment.patient_id)
            made = notify_patient(
                clinic,
                patient,
                MessageType.APPOINTMENT_REMINDER,
                key=f"reminder:{appointment.appointment_id}:v{appointment.version}:{offset}",
                context=events.appointment_context(clinic, appointment, language_for(clinic, patient)),
                related=("appointment", appointment.appointment_id),
                skip_reason=_("The reminder time passed while sending was stopped.") if late else "",
                now=now,
            )
            counts["skipped" if late else "queued"] += len(made)
    return counts
