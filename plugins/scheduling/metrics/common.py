"""What scheduling's figures share: the appointments of a period, counted in total or by one of the common
breakdowns, and the statuses that count as booked or cancelled.

Every figure follows ``core.plugins.types.Metric``: ``(clinic_ids, start, end, *, breakdown, tz,
practitioner, service)``. Queries run inside the caller's organization scope, so the scoped manager adds the
organization and the ``(organization, clinic, start)`` index answers the period.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.tenancy.models import Membership

from ..models import Appointment, Channel, Status

# Time that was booked for a patient (no-shows included: the slot was taken all the same).
BOOKED_STATUSES = (Status.BOOKED, Status.ARRIVED, Status.IN_PROGRESS, Status.COMPLETED, Status.NO_SHOW)
CANCELLED_STATUSES = (Status.CANCELLED_PATIENT, Status.CANCELLED_CLINIC)
FILTERS = ("practitioner", "service")
BY_WHO_WHAT = ("practitioner", "service")


def zone_or_current(tz):
    return tz or timezone.get_current_timezone()


def appointments_in(clinic_ids, start, end, practitioner=None, service=None):
    qs = Appointment.objects.filter(clinic_id__in=list(clinic_ids), start__gte=start, start__lt=end)
    if practitioner:
        qs = qs.filter(practitioner_id=practitioner)
    if service:
        qs = qs.filter(service_id=service)
    return qs


def member_names(membership_ids: Iterable[int]) -> dict[int, str]:
    members = Membership.objects.filter(pk__in=set(membership_ids)).select_related("user")
    return {m.pk: m.name for m in members}


def counted(qs, breakdown, tz, *, distinct_patients=False):
    """A count of ``qs`` in total or by one of the common breakdowns."""
    counter = Count("patient_id", distinct=True) if distinct_patients else Count("id")
    if breakdown is None:
        return qs.aggregate(n=counter)["n"]
    if breakdown == "day":
        rows = (
            qs.annotate(d=TruncDate("start", tzinfo=zone_or_current(tz)))
            .values("d")
            .annotate(n=counter)
            .order_by("d")
        )
        return [(r["d"].isoformat(), r["d"].isoformat(), r["n"]) for r in rows]
    if breakdown == "practitioner":
        rows = list(qs.values("practitioner_id").annotate(n=counter).order_by("practitioner_id"))
        names = member_names(r["practitioner_id"] for r in rows)
        return [(str(r["practitioner_id"]), names.get(r["practitioner_id"], "?"), r["n"]) for r in rows]
    if breakdown == "service":
        rows = qs.values("service_id", "service__name").annotate(n=counter).order_by("service__name")
        return [(str(r["service_id"]), r["service__name"], r["n"]) for r in rows]
    if breakdown in ("channel", "cancelled_by"):
        field, choices = ("channel", Channel) if breakdown == "channel" else ("status", Status)
        rows = qs.values(field).annotate(n=counter).order_by(field)
        return [(r[field], str(choices(r[field]).label), r["n"]) for r in rows]
    raise ValueError(f"unknown breakdown {breakdown!r}")
