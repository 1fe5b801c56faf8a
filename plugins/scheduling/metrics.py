"""Scheduling's figures for analytics: appointments, the patients seen, and practitioners' utilization.

Every function follows ``core.plugins.types.Metric``: ``(clinic_ids, start, end, *, breakdown, tz,
practitioner, service)``. Queries run inside the caller's organization scope, so the scoped manager adds the
organization and the ``(organization, clinic, start)`` index answers the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.plugins.types import Metric
from core.tenancy.models import Membership

from . import availability as av
from .models import Appointment, Channel, ClinicClosure, Status, TimeOff, WorkingHours

# Time that was booked for a patient (no-shows included: the slot was taken all the same).
BOOKED_STATUSES = (Status.BOOKED, Status.ARRIVED, Status.IN_PROGRESS, Status.COMPLETED, Status.NO_SHOW)
CANCELLED_STATUSES = (Status.CANCELLED_PATIENT, Status.CANCELLED_CLINIC)
RETENTION_MONTHS = 6
ACTIVE_MONTHS = 12
AGE_BANDS = ((0, 17), (18, 34), (35, 49), (50, 64), (65, None))
HOUR = Decimal(3600)


def _tz(tz):
    return tz or timezone.get_current_timezone()


def _appointments(clinic_ids, start, end, practitioner=None, service=None):
    qs = Appointment.objects.filter(clinic_id__in=list(clinic_ids), start__gte=start, start__lt=end)
    if practitioner:
        qs = qs.filter(practitioner_id=practitioner)
    if service:
        qs = qs.filter(service_id=service)
    return qs


def _names(membership_ids: Iterable[int]) -> dict[int, str]:
    members = Membership.objects.filter(pk__in=set(membership_ids)).select_related("user")
    return {m.pk: m.name for m in members}


def _count(qs, breakdown, tz, *, distinct_patients=False):
    """A count of ``qs`` in total or by one of the common breakdowns."""
    counter = Count("patient_id", distinct=True) if distinct_patients else Count("id")
    if breakdown is None:
        return qs.aggregate(n=counter)["n"]
    if breakdown == "day":
        rows = qs.annotate(d=TruncDate("start", tzinfo=_tz(tz))).values("d").annotate(n=counter).order_by("d")
        return [(r["d"].isoformat(), r["d"].isoformat(), r["n"]) for r in rows]
    if breakdown == "practitioner":
        rows = list(qs.values("practitioner_id").annotate(n=counter).order_by("practitioner_id"))
        names = _names(r["practitioner_id"] for r in rows)
        return [(str(r["practitioner_id"]), names.get(r["practitioner_id"], "?"), r["n"]) for r in rows]
    if breakdown == "service":
        rows = qs.values("service_id", "service__name").annotate(n=counter).order_by("service__name")
        return [(str(r["service_id"]), r["service__name"], r["n"]) for r in rows]
    if breakdown in ("channel", "cancelled_by"):
        field, choices = ("channel", Channel) if breakdown == "channel" else ("status", Status)
        rows = qs.values(field).annotate(n=counter).order_by(field)
        return [(r[field], str(choices(r[field]).label), r["n"]) for r in rows]
    raise ValueError(f"unknown breakdown {breakdown!r}")


def booked(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Appointments taking place in the period (later cancellations included, open requests not)."""
    qs = _appointments(clinic_ids, start, end, practitioner, service).exclude(status=Status.REQUESTED)
    return _count(qs, breakdown, tz)


def _with_status(statuses):
    def compute(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
        qs = _appointments(clinic_ids, start, end, practitioner, service).filter(status__in=statuses)
        return _count(qs, breakdown, tz)

    return compute


def online(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    qs = _appointments(clinic_ids, start, end, practitioner, service).exclude(status=Status.REQUESTED)
    return _count(qs.filter(channel=Channel.PORTAL), breakdown, tz)


def lead_days(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Days between booking and the appointment, summed (divided by the count for the average)."""
    qs = _appointments(clinic_ids, start, end, practitioner, service).exclude(status=Status.REQUESTED)
    lead = ExpressionWrapper(F("start") - F("created_at"), output_field=DurationField())
    if breakdown is None:
        total = qs.aggregate(t=Sum(lead))["t"]
        return _days(total)
    if breakdown == "day":
        rows = (
            qs.annotate(d=TruncDate("start", tzinfo=_tz(tz))).values("d").annotate(t=Sum(lead)).order_by("d")
        )
        return [(r["d"].isoformat(), r["d"].isoformat(), _days(r["t"])) for r in rows]
    raise ValueError(f"unknown breakdown {breakdown!r}")


def _days(duration: timedelta | None) -> Decimal:
    if not duration:
        return Decimal("0")
    return (Decimal(duration.total_seconds()) / Decimal(86400)).quantize(Decimal("0.0001"))


# --- utilization -----------------------------------------------------------------------------------------


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
    tz = _tz(tz)
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
        labels = {str(k): v for k, v in _names(int(k) for k in totals).items()}
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
    tz = _tz(tz)
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


# --- patients --------------------------------------------------------------------------------------------


def _completed(clinic_ids, start, end, practitioner=None, service=None):
    return _appointments(clinic_ids, start, end, practitioner, service).filter(status=Status.COMPLETED)


def _earlier_visit():
    return Appointment.objects.filter(
        patient_id=OuterRef("patient_id"), status=Status.COMPLETED, start__lt=OuterRef("start")
    )


def new_patients(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Patients whose first completed visit in the organization took place here in the period."""
    qs = _completed(clinic_ids, start, end, practitioner, service).filter(~Exists(_earlier_visit()))
    return _count(qs, breakdown, tz, distinct_patients=True)


def seen(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Distinct patients with a completed visit in the period (by age band at the end of the period)."""
    qs = _completed(clinic_ids, start, end, practitioner, service)
    if breakdown != "age_band":
        return _count(qs, breakdown, tz, distinct_patients=True)
    on = (end - timedelta(microseconds=1)).astimezone(_tz(tz)).date()
    counts: dict[str, int] = defaultdict(int)
    for _patient, born in qs.values_list("patient_id", "patient__date_of_birth").distinct().order_by():
        counts[_band(born, on)] += 1
    order = [_band_key(low, high) for low, high in AGE_BANDS] + ["unknown"]
    return [(key, _band_label(key), counts[key]) for key in order if counts.get(key)]


def _band(born, on) -> str:
    if born is None:
        return "unknown"
    return _band_of_age(on.year - born.year - ((on.month, on.day) < (born.month, born.day)))


def _band_of_age(age: int | None) -> str:
    if age is None:
        return "unknown"
    for low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return _band_key(low, high)
    return "unknown"


def _band_key(low, high) -> str:
    return f"{low}-{high}" if high is not None else f"{low}+"


def _band_label(key: str) -> str:
    return str(_("Unknown")) if key == "unknown" else key


def returning(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Patients seen in the period who had a completed visit before it."""
    before = Appointment.objects.filter(
        patient_id=OuterRef("patient_id"), status=Status.COMPLETED, start__lt=start
    )
    qs = _completed(clinic_ids, start, end, practitioner, service).filter(Exists(before))
    return _count(qs, breakdown, tz, distinct_patients=True)


def active(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Distinct patients with a completed visit in the twelve months up to the end of the period."""
    qs = _completed(clinic_ids, end - timedelta(days=365), end, practitioner, service)
    return _count(qs, breakdown, tz, distinct_patients=True)


def retention(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Of the patients seen in the six months before the period, the share who came back in it (%)."""
    earlier = _completed(clinic_ids, start - timedelta(days=182), start, practitioner, service)
    base = earlier.values("patient_id").distinct().order_by()
    total = base.count()
    if not total:
        return Decimal("0")
    again = Appointment.objects.filter(
        patient_id=OuterRef("patient_id"),
        clinic_id__in=list(clinic_ids),
        status=Status.COMPLETED,
        start__gte=start,
        start__lt=end,
    )
    if practitioner:
        again = again.filter(practitioner_id=practitioner)
    if service:
        again = again.filter(service_id=service)
    came_back = earlier.filter(Exists(again)).values("patient_id").distinct().order_by().count()
    return (Decimal(came_back) * 100 / Decimal(total)).quantize(Decimal("0.1"))


def completed_visits(clinic_ids, start=None, end=None, **_):
    """The completed visits at these clinics in ``[start, end)`` (all of them without bounds), as
    ``(patient_id, start)``: what analytics keeps per clinic and patient to count distinct patients."""
    qs = Appointment.objects.filter(clinic_id__in=list(clinic_ids), status=Status.COMPLETED)
    if start is not None:
        qs = qs.filter(start__gte=start)
    if end is not None:
        qs = qs.filter(start__lt=end)
    return list(qs.values_list("patient_id", "start").order_by())


def by_age_band(breakdown, counts) -> list:
    """Patients counted by age in whole years (``None``: unknown) into the age bands, in their order."""
    if breakdown != "age_band":
        raise ValueError(f"unknown breakdown {breakdown!r}")
    bands: dict[str, int] = defaultdict(int)
    for age, n in counts.items():
        bands[_band_of_age(age)] += n
    order = [_band_key(low, high) for low, high in AGE_BANDS] + ["unknown"]
    return [(key, _band_label(key), bands[key]) for key in order if bands.get(key)]


FILTERS = ("practitioner", "service")
BY_WHO_WHAT = ("practitioner", "service")


def metrics() -> list[Metric]:
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
        Metric(
            "patients_new",
            _("New patients"),
            "count",
            new_patients,
            (),
            m,
            "patients",
            filters=FILTERS,
            description=_("Patients whose first completed visit took place in the period."),
            kind="sum",
            tables=("time", "clinic"),
            headline=2,
        ),
        Metric(
            "patients_visits",
            _("Completed visits"),
            "count",
            completed_visits,
            (),
            m,
            "patients",
            hidden=True,
            kind="visits",
        ),
        Metric(
            "patients_seen",
            _("Patients seen"),
            "count",
            seen,
            ("age_band",),
            m,
            "patients",
            kind="live",
            from_visits="seen",
            regroup=by_age_band,
            filters=FILTERS,
            tables=("clinic", "age_band"),
        ),
        Metric(
            "patients_returning",
            _("Returning patients"),
            "count",
            returning,
            (),
            m,
            "patients",
            kind="live",
            from_visits="returning",
            filters=FILTERS,
            description=_("Patients seen in the period who had been seen before."),
            tables=("clinic",),
        ),
        Metric(
            "patients_active",
            _("Active patients"),
            "count",
            active,
            (),
            m,
            "patients",
            kind="live",
            from_visits="active",
            filters=FILTERS,
            description=_("Patients seen in the twelve months up to the end of the period."),
            tables=("clinic",),
        ),
        Metric(
            "patients_retention",
            _("Retention"),
            "percent",
            retention,
            (),
            m,
            "patients",
            kind="live",
            from_visits="retention",
            filters=FILTERS,
            description=_(
                "Of the patients seen in the six months before the period, the share who returned."
            ),
        ),
    ]
