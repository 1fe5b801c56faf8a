"""Other modules' say over a change to an appointment (the ``clinic_appointment_validate`` hook).

Asked inside the change's transaction, after scheduling's own checks and before anything is written, so a
refusal leaves the database exactly as it was.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from core.tenancy.modules import clinic_hook


def ask_modules(action: str, appointment, by=None) -> None:
    """Raise ``ValidationError`` with every reason the modules that are on at the appointment's clinic
    give for refusing ``action`` (``book``, ``reschedule`` or ``status``) on ``appointment``."""
    clinic = appointment.clinic
    answers = clinic_hook(clinic, "clinic_appointment_validate")(
        clinic=clinic, action=action, appointment=appointment, by=by
    )
    reasons = [str(reason) for reason in answers if reason]
    if reasons:
        raise ValidationError(reasons)
