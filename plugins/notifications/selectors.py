"""Read-only questions about a clinic's messages."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from core.tenancy.models import Clinic

from .models import OutboxMessage, Status

# The dashboard looks this far back: older failures are in the log, not on the front page.
RECENT = timedelta(days=30)


def clinic_messages(clinic: Clinic):
    return OutboxMessage.objects.filter(organization_id=clinic.organization_id, clinic=clinic)


def trouble_summary(clinic: Clinic, now=None, latest: int = 5) -> dict:
    """Failed and still-queued messages of the last 30 days, and the latest failures: two indexed queries."""
    now = now or timezone.now()
    recent = clinic_messages(clinic).filter(created_at__gte=now - RECENT)
    counts = recent.aggregate(
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        queued=Count("pk", filter=Q(status=Status.QUEUED)),
        retrying=Count("pk", filter=Q(status=Status.QUEUED, attempts__gt=0)),
    )
    failures = list(
        recent.filter(status=Status.FAILED).only(
            "pk", "message_type", "channel", "recipient", "last_error", "created_at"
        )[:latest]
    )
    return {**counts, "failures": failures}
