"""The clinic's calendar: which day it is where the clinic is, the default date of what staff record."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from core.tenancy.models import Clinic


def local_today(clinic: Clinic) -> date:
    return timezone.now().astimezone(clinic.tzinfo).date()
