"""Announcing a change to an appointment to the other modules once it has committed."""

from __future__ import annotations

from typing import Any

from core.plugins.gating import announce_on_commit

from ..models import Appointment


def announce(event: str, appointment: Appointment, by: Any = None, **details: Any) -> None:
    """Tell the other modules (notifications, billing, analytics) once the change has committed."""
    announce_on_commit(
        appointment.clinic,
        "clinic_appointment_changed",
        clinic=appointment.clinic,
        event=event,
        appointment=appointment,
        by=by,
        details=details,
    )
