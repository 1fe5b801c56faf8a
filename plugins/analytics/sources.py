"""Where a report's figures come from: the metrics' own functions (live), or the daily roll-ups.

Both answer the same three questions for a ``sum`` metric (a total, a breakdown, a day-by-day series) for
a set of clinics and a period, so a report reads the same whichever it uses; a test holds them equal.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Max, Min, Q, Sum, Value, When

from .models import DailyFigure, RolledDay
from .periods import Period


def dec(value) -> Decimal:
    return Decimal(str(value or 0))


def tz_groups(clinics) -> list[tuple[object, list[int]]]:
    """Clinics grouped by time zone: a day is a local day, so each group gets its own bounds."""
    groups: dict[str, list] = defaultdict(list)
    for clinic in clinics:
        groups[clinic.timezone].append(clinic)
    return [(members[0].tzinfo, [c.pk for c in members]) for _tz, members in sorted(groups.items())]


class LiveSource:
    """Asks each metric's function, once per time zone among the clinics."""

    mode = "live"

    def __init__(self, filters: dict | None = None):
        self.filters = filters or {}

    def _filters(self, metric) -> dict:
        return {k: v for k, v in self.filters.items() if k in metric.filters}

    def total(self, metric, clinics, period: Period | None) -> Decimal:
        value = Decimal(0)
        for tz, ids in tz_groups(clinics):
            start, end = period.bounds(tz) if period else (None, None)
            value += dec(metric.compute(ids, start, end, tz=tz, **self._filters(metric)))
        return value

    def breakdown(self, metric, name: str, clinics, period: Period | None) -> dict[str, tuple[str, Decimal]]:
        rows: dict[str, list] = {}
        for tz, ids in tz_groups(clinics):
            start, end = period.bounds(tz) if period else (None, None)
            for key, label, value in metric.compute(
                ids, start, end, breakdown=name, tz=tz, **self._filters(metric)
            ):
                entry = rows.setdefault(str(key), [label, Decimal(0)])
                entry[1] += dec(value)
        return {key: (label, value) for key, (label, value) in rows.items()}

    def series(self, metric, clinics, period: Period) -> dict[str, Decimal]:
        return {key: value for key, (_label, value) in self.breakdown(metric, "day", clinics, period).items()}


class RollupSource:
    """Reads the roll-ups of the clinics for a period and the one before, in three grouped queries."""

    mode = "rollup"

    def __init__(self, organization_id: int, clinics, period: Period, previous: Period, slugs):
        self.period, self.previous = period, previous
        base = DailyFigure.objects.filter(
            organization_id=organization_id,
            clinic_id__in=[c.pk for c in clinics],
            metric__in=list(slugs),
        )
        current = Q(day__gte=period.first, day__lte=period.last)
        self._totals: dict[tuple, Decimal] = {}
        for row in (
            base.filter(breakdown="", day__gte=previous.first, day__lte=period.last)
            .annotate(
                current=Case(When(current, then=Value(1)), default=Value(0), output_field=IntegerField())
            )
            .values("metric", "clinic_id", "current")
            .annotate(v=Sum("value"))
            .order_by()
        ):
            self._totals[(row["metric"], row["clinic_id"], row["current"])] = row["v"]
        self._breakdowns: dict[tuple, dict] = defaultdict(dict)
        for row in (
            base.filter(current)
            .exclude(breakdown="")
            .values("metric", "breakdown", "key", "clinic_id")
            .annotate(v=Sum("value"), label=Max("label"))
            .order_by()
        ):
            self._breakdowns[(row["metric"], row["breakdown"])][(row["key"], row["clinic_id"])] = (
                row["label"],
                row["v"],
            )
        self._series: dict[str, dict] = defaultdict(dict)
        for row in (
            base.filter(current, breakdown="")
            .values("metric", "day", "clinic_id")
            .annotate(v=Sum("value"))
            .order_by()
        ):
            self._series[row["metric"]][(row["day"].isoformat(), row["clinic_id"])] = row["v"]

    def _which(self, period: Period) -> int:
        if period == self.period:
            return 1
        if period == self.previous:
            return 0
        raise ValueError("the roll-up source was read for another period")

    def total(self, metric, clinics, period: Period) -> Decimal:
        which = self._which(period)
        return sum((dec(self._totals.get((metric.slug, c.pk, which))) for c in clinics), Decimal(0))

    def breakdown(self, metric, name: str, clinics, period: Period) -> dict[str, tuple[str, Decimal]]:
        self._which(period)
        ids = {c.pk for c in clinics}
        rows: dict[str, list] = {}
        for (key, clinic_id), (label, value) in self._breakdowns[(metric.slug, name)].items():
            if clinic_id in ids:
                entry = rows.setdefault(key, [label, Decimal(0)])
                entry[1] += dec(value)
        return {key: (label, value) for key, (label, value) in rows.items()}

    def series(self, metric, clinics, period: Period) -> dict[str, Decimal]:
        self._which(period)
        ids = {c.pk for c in clinics}
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for (day, clinic_id), value in self._series[metric.slug].items():
            if clinic_id in ids:
                totals[day] += dec(value)
        return dict(totals)


def coverage(organization_id: int, clinics, first, last, today) -> dict:
    """How much of ``[first, last]`` the clinics' roll-ups cover, how many covered days wait for a
    recompute, and when today's figures were computed (one query)."""
    stale = Q(marked_at__isnull=False) & Q(marked_at__gt=F("computed_at"))
    result = RolledDay.objects.filter(
        organization_id=organization_id,
        clinic_id__in=[c.pk for c in clinics],
        day__gte=first,
        day__lte=last,
        computed_at__isnull=False,
    ).aggregate(
        covered=Count("id"),
        waiting=Count("id", filter=stale),
        today=Min("computed_at", filter=Q(day=today)),
    )
    result["expected"] = len(clinics) * ((last - first).days + 1)
    return result
