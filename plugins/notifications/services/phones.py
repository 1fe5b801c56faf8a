"""Patients' phone numbers in the one form text messages are sent to (E.164)."""

from __future__ import annotations

from typing import Any

import phonenumbers

from core.tenancy.models import Clinic


def normalize_phone(raw: str, clinic: Clinic, patient: Any = None) -> str | None:
    """The number in E.164 form, or None when it is not a valid phone number."""
    region = (getattr(patient, "country", "") or clinic.country or "").upper() or None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
