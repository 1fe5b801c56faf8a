"""Figures about practitioners' time: hours booked with patients, hours available by working hours (less
closures and time off), and the share of one in the other."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.plugins.types import Metric

from .. import availability as av
from ..models import Appointment, ClinicClosure, TimeOff, WorkingHours
from .common import BOOKED_STATUSES, member_names, zone_or_current

HOUR = Decimal(3600)


def _hour_cells(start: datetime, end: datetime, tz) -> Iterable[tuple[str, Decimal]]:
    """Split ``[start, end)`` into local (weekday, hour) cells: ``("0-09", hours)`` is Monday 09:00-10:00."""
    cursor = start.astimezone(UTC)
    end = end.astimezone(UTC)
    while cursor < end:
        local = cursor.astimezone(tz)
        floor = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        boundary = min(floor + timedelta(hours=1), end)
        yield f"{local.weekday()}-{local.hour:02d}", Decimal((boundary - cursor).total_seconds()) / HOUR
        cursor = boundary


def _spread(spans, breakdown, tz) -> Decimal | list:
    """Hours of ``spans`` (``(membership_id, start, end)``) in total or by practitioner, day or hour cell."""
    tz = zone_or_current(tz)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    labels: dict[str, str] = {}
    for membership_id, span_start, span_end in spans:
        hours = Decimal((span_end - span_start).total_seconds()) / HOUR
        if breakdown is None:
            totals[""] += hours
        elif breakdown == "practitioner":
            totals[str(membership_id)] += hours
        elif breakdown == "day":
            for key, part in _day_parts(span_start, span_end, tz):
                totals[key] += part
        elif breakdown == "weekday_hour":
            for key, part in _hour_cells(span_start, span_end, tz):
                totals[key] += part
        else:
            raise ValueError(f"unknown breakdown {breakdown!r}")
    if breakdown is None:
        return totals[""].quantize(Decimal("0.0001"))
    if breakdown == "practitioner":
        labels = {str(k): v for k, v in member_names(int(k) for k in totals).items()}
    return [(key, labels.get(key, key), totals[key].quantize(Decimal("0.0001"))) for key in sorted(totals)]


def _day_parts(start: datetime, end: datetime, tz):
    cursor = start
    while cursor < end:
        local_day = cursor.astimezone(tz).date()
        midnight = datetime.combine(local_day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        boundary = min(midnight, end)
        yield local_day.isoformat(), Decimal((boundary - cursor).total_seconds()) / HOUR
        cursor = boundary


def booked_hours(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Hours booked with patients, counted in the period (appointments cut at its edges)."""
    qs = Appointment.objects.filter(
        clinic_id__in=list(clinic_ids), start__lt=end, end__gt=start, status__in=BOOKED_STATUSES
    )
    # The index on (organization, clinic, start) is bounded below too: no appointment is longer than this.
    qs = qs.filter(start__gte=start - timedelta(hours=12))
    if practitioner:
        qs = qs.filter(practitioner_id=practitioner)
    if service:
        qs = qs.filter(service_id=service)
    spans = ((p, max(s, start), min(e, end)) for p, s, e in qs.values_list("practitioner_id", "start", "end"))
    return _spread(spans, breakdown, tz)


def _subtract(window: av.Interval, busy: list[av.Interval]) -> list[av.Interval]:
    pieces = [window]
    for off in busy:
        next_pieces = []
        for piece in pieces:
            if not piece.overlaps(off):
                next_pieces.append(piece)
                continue
            if piece.start < off.start:
                next_pieces.append(av.Interval(piece.start, off.start))
            if off.end < piece.end:
                next_pieces.append(av.Interval(off.end, piece.end))
        pieces = next_pieces
    return pieces


def available_spans(clinic_ids, start, end, tz, practitioner=None):
    """``(membership_id, start, end)`` of working time at ``clinic_ids`` in ``[start, end)``: working hours
    less clinic closures and the practitioner's time off."""
    tz = zone_or_current(tz)
    first_day, last_day = start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()
    hours = WorkingHours.objects.filter(clinic_id__in=list(clinic_ids), valid_from__lte=last_day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=first_day)
    )
    if practitioner:
        hours = hours.filter(membership_id=practitioner)
    rules: dict[tuple[int, int], list[av.HoursRule]] = defaultdict(list)
    for row in hours.values_list(
        "clinic_id", "membership_id", "weekday", "start_time", "end_time", "valid_from", "valid_until"
    ):
        rules[(row[0], row[1])].append(av.HoursRule(*row[2:]))
    if not rules:
        return []
    closures: dict[int, list[av.Closure]] = defaultdict(list)
    for clinic_id, s, e in ClinicClosure.objects.filter(
        clinic_id__in=list(clinic_ids), start_date__lte=last_day, end_date__gte=first_day
    ).values_list("clinic_id", "start_date", "end_date"):
        closures[clinic_id].append(av.Closure(s, e))
    time_off: dict[int, list[av.Interval]] = defaultdict(list)
    for membership_id, s, e in TimeOff.objects.filter(
        membership_id__in={m for _c, m in rules}, start__lt=end, end__gt=start
    ).values_list("membership_id", "start", "end"):
        time_off[membership_id].append(av.Interval(s, e).utc())
    period = av.Interval(start, end).utc()
    spans = []
    for (clinic_id, membership_id), clinic_rules in rules.items():
        windows = av.working_windows(clinic_rules, tz, first_day, last_day, closures[clinic_id])
        for window in windows:
            if not window.overlaps(period):
                continue
            clipped = av.Interval(max(window.start, period.start), min(window.end, period.end))
            for piece in _subtract(clipped, time_off[membership_id]):
                spans.append((membership_id, piece.start, piece.end))
    return spans


def available_hours(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, **_):
    """Hours practitioners are available at these clinics by their working hours."""
    return _spread(available_spans(clinic_ids, start, end, tz, practitioner), breakdown, tz)


def utilization_metrics() -> list[Metric]:
    m = "scheduling"
    return [
        Metric(
            "practitioner_booked_hours",
            _("Booked hours"),
            "hours",
            booked_hours,
            ("practitioner", "weekday_hour"),
            m,
            "utilization",
            filters=("practitioner",),
            kind="sum",
            tables=("practitioner", "clinic"),
            column=1,
        ),
        Metric(
            "practitioner_available_hours",
            _("Available hours"),
            "hours",
            available_hours,
            ("practitioner", "weekday_hour"),
            m,
            "utilization",
            filters=("practitioner",),
            description=_("Working hours, less clinic closures and time off."),
            kind="sum",
            tables=("practitioner", "clinic"),
            column=1,
        ),
        Metric(
            "practitioner_utilization",
            _("Utilization"),
            "percent",
            None,
            ("practitioner", "weekday_hour"),
            m,
            "utilization",
            kind="ratio",
            filters=("practitioner",),
            ratio_of=("practitioner_booked_hours", "practitioner_available_hours"),
            scale=100,
            description=_("Booked hours divided by available hours."),
            tables=("practitioner", "clinic", "weekday_hour"),
        ),
    ]
