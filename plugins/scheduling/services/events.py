"""Announcing a change to an appointment to the other modules, as the typed ``AppointmentChanged``."""

from __future__ import annotations

from typing import Any

from core.plugins import events
from core.plugins.events import emit

from ..models import Appointment


def announce(change: str, appointment: Appointment, by: Any = None, **details: Any) -> None:
    """Tell the other modules (notifications, analytics, …); delivered once the change has committed."""
    emit(
        appointment.clinic,
        events.AppointmentChanged(
            change=change,
            appointment_id=appointment.pk,
            version=appointment.version,
            status=appointment.status,
            start=appointment.start,
            end=appointment.end,
            patient_id=appointment.patient_id,
            practitioner_id=appointment.practitioner_id,
            practitioner_name=appointment.practitioner.name,
            service_id=appointment.service_id,
            service_name=appointment.service.name if appointment.service_id else "",
            previous_status=details.get("previous_status", ""),
            previous_start=details.get("previous_start"),
            previous_practitioner_id=details.get("previous_practitioner_id"),
            reason=details.get("reason", appointment.cancellation_reason or ""),
            part_of_series=bool(details.get("series")),
            by_user_id=getattr(by, "pk", None),
        ),
    )
