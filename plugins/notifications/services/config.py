"""The clinic's message settings as the rest of the module reads them: channels, sender name, language."""

from __future__ import annotations

from typing import Any

from core.tenancy.models import Clinic

from ..defaults import DEFAULTS, FALLBACK_LANGUAGE
from ..models import NotificationSettings


def settings_for(clinic: Clinic) -> NotificationSettings:
    """The clinic's settings, or unsaved defaults when it has never changed them."""
    found = NotificationSettings.objects.filter(organization_id=clinic.organization_id, clinic=clinic).first()
    return found or NotificationSettings(organization_id=clinic.organization_id, clinic=clinic)


def sender_name(clinic: Clinic, config: NotificationSettings) -> str:
    return config.sender_name or clinic.name


def language_for(clinic: Clinic, patient: Any = None) -> str:
    """The patient's language when the module ships wording in it, else the clinic's, else the fallback."""
    for candidate in (getattr(patient, "preferred_language", ""), clinic.locale, FALLBACK_LANGUAGE):
        code = (candidate or "").split("-")[0].lower()
        if code in DEFAULTS["appointment_booked"]:
            return code
    return FALLBACK_LANGUAGE
