"""Buttons other modules add next to appointments in scheduling's lists (``clinic_appointment_actions``).

Scheduling calls this once per list; the modules answer for the whole list at once, so a longer day does
not cost more queries per row.
"""

from __future__ import annotations

from core.plugins.types import AppointmentFacts
from core.tenancy.modules import clinic_hook


def attach_appointment_actions(request, clinic, appointments: list) -> list:
    """Set ``ehr_actions`` (a list of ``AppointmentAction``) on each appointment of ``appointments``."""
    facts = [
        AppointmentFacts(
            appointment_id=a.pk,
            patient_id=a.patient_id,
            practitioner_id=a.practitioner_id,
            start=a.start,
            end=a.end,
            status=a.status,
            service_name=a.service.name if getattr(a, "service", None) else "",
        )
        for a in appointments
    ]
    merged: dict[int, list] = {}
    if facts:
        for answer in clinic_hook(clinic, "clinic_appointment_actions")(
            request=request, clinic=clinic, appointments=facts
        ):
            for appointment_id, actions in (answer or {}).items():
                merged.setdefault(appointment_id, []).extend(actions)
    for appointment in appointments:
        appointment.ehr_actions = merged.get(appointment.pk, [])
    return appointments
