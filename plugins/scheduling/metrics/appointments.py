"""Figures about appointments: how many took place, were completed, cancelled or missed, how many were
booked online, and how far ahead."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import DurationField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import Greatest, TruncDate
from django.utils.translation import gettext_lazy as _

from core.plugins.types import Metric

from ..models import Channel, Status
from .common import BY_WHO_WHAT, CANCELLED_STATUSES, FILTERS, appointments_in, counted, zone_or_current


def booked(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Appointments taking place in the period (later cancellations included, open requests not)."""
    qs = appointments_in(clinic_ids, start, end, practitioner, service).exclude(status=Status.REQUESTED)
    return counted(qs, breakdown, tz)


def _with_status(statuses):
    def compute(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
        qs = appointments_in(clinic_ids, start, end, practitioner, service).filter(status__in=statuses)
        return counted(qs, breakdown, tz)

    return compute


def online(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    qs = appointments_in(clinic_ids, start, end, practitioner, service).exclude(status=Status.REQUESTED)
    return counted(qs.filter(channel=Channel.PORTAL), breakdown, tz)


def lead_days(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Days between booking and the appointment, summed (divided by the count for the average)."""
    qs = appointments_in(clinic_ids, start, end, practitioner, service).exclude(status=Status.REQUESTED)
    # A visit entered after it happened (a walk-in, an import) was booked 0 days ahead, not a negative number.
    lead = Greatest(
        ExpressionWrapper(F("start") - F("created_at"), output_field=DurationField()),
        Value(timedelta(0)),
        output_field=DurationField(),
    )
    if breakdown is None:
        total = qs.aggregate(t=Sum(lead))["t"]
        return _days(total)
    if breakdown == "day":
        rows = (
            qs.annotate(d=TruncDate("start", tzinfo=zone_or_current(tz)))
            .values("d")
            .annotate(t=Sum(lead))
            .order_by("d")
        )
        return [(r["d"].isoformat(), r["d"].isoformat(), _days(r["t"])) for r in rows]
    raise ValueError(f"unknown breakdown {breakdown!r}")


def _days(duration: timedelta | None) -> Decimal:
    if not duration:
        return Decimal("0")
    return (Decimal(duration.total_seconds()) / Decimal(86400)).quantize(Decimal("0.0001"))


def appointment_metrics() -> list[Metric]:
    m = "scheduling"
    return [
        Metric(
            "appointments_booked",
            _("Appointments"),
            "count",
            booked,
            ("practitioner", "service", "channel"),
            m,
            "appointments",
            filters=FILTERS,
            description=_("Appointments taking place in the period, later cancellations included."),
            kind="sum",
            tables=("time", "clinic", "practitioner", "service", "channel"),
            headline=1,
            choices_for=("service",),
        ),
        Metric(
            "appointments_completed",
            _("Completed"),
            "count",
            _with_status([Status.COMPLETED]),
            BY_WHO_WHAT,
            m,
            "appointments",
            filters=FILTERS,
            kind="sum",
            tables=("time", "clinic", "practitioner", "service"),
        ),
        Metric(
            "appointments_cancelled",
            _("Cancelled"),
            "count",
            _with_status(CANCELLED_STATUSES),
            ("cancelled_by", "practitioner"),
            m,
            "appointments",
            filters=FILTERS,
            kind="sum",
            tables=("time", "cancelled_by"),
        ),
        Metric(
            "appointments_no_show",
            _("No-shows"),
            "count",
            _with_status([Status.NO_SHOW]),
            BY_WHO_WHAT,
            m,
            "appointments",
            filters=FILTERS,
            kind="sum",
            tables=("time",),
        ),
        Metric(
            "appointments_due",
            _("Completed or missed"),
            "count",
            _with_status([Status.COMPLETED, Status.NO_SHOW]),
            BY_WHO_WHAT,
            m,
            "appointments",
            filters=FILTERS,
            hidden=True,
            kind="sum",
        ),
        Metric(
            "appointments_no_show_rate",
            _("No-show rate"),
            "percent",
            None,
            BY_WHO_WHAT,
            m,
            "appointments",
            kind="ratio",
            filters=FILTERS,
            ratio_of=("appointments_no_show", "appointments_due"),
            scale=100,
            description=_("No-shows among appointments that were completed or missed."),
            tables=("clinic", "practitioner", "service"),
        ),
        Metric(
            "appointments_online",
            _("Booked online"),
            "count",
            online,
            (),
            m,
            "appointments",
            filters=FILTERS,
            hidden=True,
            kind="sum",
        ),
        Metric(
            "appointments_online_share",
            _("Booked online"),
            "percent",
            None,
            (),
            m,
            "appointments",
            kind="ratio",
            filters=FILTERS,
            ratio_of=("appointments_online", "appointments_booked"),
            scale=100,
            description=_("Share of appointments booked by patients on the portal (the rest: front desk)."),
            tables=("clinic",),
        ),
        Metric(
            "appointments_lead_days",
            _("Days booked ahead"),
            "days",
            lead_days,
            (),
            m,
            "appointments",
            filters=FILTERS,
            hidden=True,
            kind="sum",
        ),
        Metric(
            "appointments_lead_time",
            _("Average lead time"),
            "days",
            None,
            (),
            m,
            "appointments",
            kind="ratio",
            filters=FILTERS,
            ratio_of=("appointments_lead_days", "appointments_booked"),
            description=_("Days between booking and the appointment, on average."),
        ),
    ]
