"""The clinic's message settings as the rest of the module reads them: channels, sender name, language."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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


MAX_REMINDERS = 5
MAX_OFFSET_MINUTES = 30 * 24 * 60


@transaction.atomic
def change_settings(
    clinic: Clinic,
    *,
    email_enabled: bool,
    sms_enabled: bool,
    reminder_offsets: list[int],
    quiet_hours_start: time | None,
    quiet_hours_end: time | None,
    sender_name: str,
) -> NotificationSettings:
    """Change the clinic's channels, reminders and quiet hours, all or nothing. Quiet hours are wall-clock
    times of the clinic: a time with an offset is refused, since the column keeps no offset."""
    offsets = sorted(set(reminder_offsets), reverse=True)
    if any(not 0 < m <= MAX_OFFSET_MINUTES for m in offsets):
        raise ValidationError(
            {"reminder_offsets": _("Reminders go between a few minutes and 30 days before.")}
        )
    if len(offsets) > MAX_REMINDERS:
        raise ValidationError({"reminder_offsets": _("At most five reminders.")})
    if (quiet_hours_start is None) != (quiet_hours_end is None):
        raise ValidationError(
            {"quiet_hours_end": _("Give both the start and the end of the quiet hours, or neither.")}
        )
    for name, value in (("quiet_hours_start", quiet_hours_start), ("quiet_hours_end", quiet_hours_end)):
        if value is not None and value.tzinfo is not None:
            raise ValidationError({name: _("Enter a time of day such as 21:00, without a time zone.")})
    # The clinic's row is locked so two owners saving at once do not both create the settings row.
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    config = settings_for(clinic)
    config.email_enabled = email_enabled
    config.sms_enabled = sms_enabled
    config.reminder_offsets = offsets
    config.quiet_hours_start = quiet_hours_start
    config.quiet_hours_end = quiet_hours_end
    config.sender_name = sender_name.strip()
    config.save()
    return config
