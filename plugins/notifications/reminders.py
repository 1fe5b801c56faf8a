"""Appointment reminders: recorded once per appointment and offset when their time comes.

Known coupling: no hook answers "which appointments are coming up", so this module reads the scheduling
module's table through ``apps.get_model("scheduling", "Appointment")`` (never importing the plugin), and only
for clinics where scheduling is switched on. See docs/decisions.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.plugins.gating import is_module_enabled
from core.tenancy.models import Clinic

from . import events
from .models import MessageType
from .services.config import language_for, settings_for
from .services.patient_messages import notify_patient


def reminder_window() -> timedelta:
    """How late a reminder may still go out; later than that (the system was down) it is recorded skipped."""
    return timedelta(minutes=int(getattr(settings, "NOTIFICATIONS_REMINDER_WINDOW_MINUTES", 30)))


def appointment_model(clinic: Clinic):
    if not is_module_enabled(clinic, "scheduling"):
        return None
    try:
        return apps.get_model("scheduling", "Appointment")
    except LookupError:
        return None


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
    model = appointment_model(clinic)
    config = settings_for(clinic)
    offsets = offsets_of(config)
    if model is None or not offsets:
        return counts
    horizon = now + timedelta(minutes=max(offsets)) + timedelta(days=1)
    appointments = (
        model.objects.filter(
            organization_id=clinic.organization_id,
            clinic_id=clinic.pk,
            status="booked",
            start__gt=now,
            start__lte=horizon,
        )
        .select_related("patient", "practitioner__user", "service")
        .order_by("start")
    )
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
            made = notify_patient(
                clinic,
                appointment.patient,
                MessageType.APPOINTMENT_REMINDER,
                key=f"reminder:{appointment.pk}:v{appointment.version}:{offset}",
                context=events.appointment_context(
                    clinic, appointment, language_for(clinic, appointment.patient)
                ),
                related=("appointment", appointment.pk),
                skip_reason=_("The reminder time passed while sending was stopped.") if late else "",
                now=now,
            )
            counts["skipped" if late else "queued"] += len(made)
    return counts
