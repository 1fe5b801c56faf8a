"""Scheduling's part of an erasure request: the patient's appointments are a class of record of their
own; when the retention rules let them go, the free text staff wrote about them is cleared and the
patient leaves every waiting list. The appointments stay as dated slots, since invoices and visits
refer to them."""

from __future__ import annotations

from django.db.models import Count, Max

from core.compliance.packs import RECORD_CLASSES
from core.plugins.types import HeldRecords

from .models import Appointment, WaitlistEntry


def records_held(organization, patient) -> list[HeldRecords]:
    found = Appointment.objects.filter(organization_id=organization.pk, patient=patient).aggregate(
        count=Count("id"), last=Max("start")
    )
    if not found["count"]:
        return []
    return [
        HeldRecords(
            record_class="appointment",
            label=str(RECORD_CLASSES["appointment"]),
            count=found["count"],
            last_activity=found["last"].date(),
        )
    ]


def erase(organization, patient, record_classes: frozenset[str]) -> None:
    if "appointment" not in record_classes:
        return
    Appointment.objects.filter(organization_id=organization.pk, patient=patient).update(
        staff_notes="", cancellation_reason=""
    )
    WaitlistEntry.objects.filter(organization_id=organization.pk, patient=patient).delete()
