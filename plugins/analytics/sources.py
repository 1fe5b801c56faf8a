"""Where a report's figures come from: the metrics' own functions (live), or the daily roll-ups.

Both answer the same three questions for a ``sum`` metric (a total, a breakdown, a day-by-day series) for
a set of clinics and a period, so a report reads the same whichever it uses; a test holds them equal.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Max, Min, Q

from .models import RolledDay
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


def spans(period: Period) -> tuple[list[tuple], list]:
    """``period`` as the day ranges of its partial months and the first days of its whole months."""
    from .rollup import month_of

    days, months = [], []
    cursor = period.first
    while cursor <= period.last:
        first, following = month_of(cursor)
        month_last = following - timedelta(days=1)
        if cursor == first and month_last <= period.last:
            months.append(first)
        else:
            days.append((cursor, min(month_last, period.last)))
        cursor = following
    return days, months


def _union(organization_id, clinic_ids, slugs, parts, breakdown_sql, day_column="d") -> tuple[str, list]:
    """One ``UNION ALL`` (fixed SQL text, every value a parameter) of the daily rows of the partial
    months and the monthly rows of the whole months of each ``(period, current)`` in ``parts``: columns
    metric, breakdown, key, label, clinic_id, value, the day or month (as ``day_column``) and ``cur``."""
    selects, params = [], []
    base = [organization_id, list(clinic_ids), list(slugs)]
    where = f"organization_id = %s AND clinic_id = ANY(%s) AND metric = ANY(%s) AND {breakdown_sql}"
    columns = "metric, breakdown, key, label, clinic_id, value"
    for period, current in parts:
        days, months = spans(period)
        for first, last in days:
            selects.append(
                f"SELECT {columns}, day AS {day_column}, {current:d} AS cur FROM analytics_dailyfigure "  # noqa: S608
                f"WHERE {where} AND day BETWEEN %s AND %s"
            )
            params += base + [first, last]
        if months:
            selects.append(
                f"SELECT {columns}, month AS {day_column}, {current:d} AS cur "  # noqa: S608
                "FROM analytics_monthlyfigure "
                f"WHERE {where} AND month = ANY(%s)"
            )
            params += base + [months]
    return " UNION ALL ".join(selects), params


# The shape of a cached roll-up read; a change of shape changes it, so entries of the old shape are not read.
READ_FORMAT = 3


class RollupSource:
    """Reads the roll-ups of the clinics for a period and the one before in three grouped queries: whole
    months from the monthly rows, the partial months at the edges from the daily rows, so a year costs
    about what a month does. Given the roll-ups' ``version``, the reads are cached until it changes."""

    mode = "rollup"

    def __init__(self, organization_id: int, clinics, period: Period, previous: Period, slugs, version=None):
        self.period, self.previous = period, previous
        ids = sorted(c.pk for c in clinics)
        self._ids = frozenset(ids)
        key = None
        if version is not None:
            key = cache_key(
                "rollup", READ_FORMAT, organization_id, ids, sorted(slugs), period, previous, version
            )
            cached = cache.get(key)
            if cached is not None:
                self._totals, self._breakdowns, self._series, self._whole = cached
                return
        self._read(organization_id, ids, period, previous, slugs)
        self._whole = self._add_up_every_clinic()
        if key is not None:
            cache.set(key, (self._totals, self._breakdowns, self._series, self._whole), CACHE_SECONDS)

    def _read(self, organization_id, ids, period, previous, slugs) -> None:
        self._totals: dict[tuple, Decimal] = {}
        self._breakdowns: dict[tuple, dict] = defaultdict(dict)
        self._series: dict[str, dict] = defaultdict(dict)
        if not slugs or not ids:
            return
        both = [(previous, False), (period, True)]
        with connection.cursor() as cursor:
            sql, params = _union(organization_id, ids, slugs, both, "breakdown = ''")
            cursor.execute(
                f"SELECT metric, clinic_id, cur, sum(value) FROM ({sql}) AS r GROUP BY 1, 2, 3",  # noqa: S608
                params,
            )
            for metric, clinic_id, current, value in cursor.fetchall():
                self._totals[(metric, clinic_id, current)] = value
            sql, params = _union(organization_id, ids, slugs, [(period, True)], "breakdown <> ''")
            cursor.execute(
                f"SELECT metric, breakdown, key, clinic_id, sum(value), max(label) FROM ({sql}) AS r "  # noqa: S608
                "GROUP BY 1, 2, 3, 4",
                params,
            )
            for metric, breakdown, key, clinic_id, value, label in cursor.fetchall():
                self._breakdowns[(metric, breakdown)][(key, clinic_id)] = (label, value)
            # The series by day, or by month for long periods (whose whole months are one row each).
            if period.monthly():
                sql, params = _union(organization_id, ids, slugs, [(period, True)], "breakdown = ''")
            else:
                sql = (
                    "SELECT metric, clinic_id, value, day AS d FROM analytics_dailyfigure WHERE "
                    "organization_id = %s AND clinic_id = ANY(%s) AND metric = ANY(%s) AND breakdown = '' "
                    "AND day BETWEEN %s AND %s"
                )
                params = [organization_id, ids, list(slugs), period.first, period.last]
            series = f"SELECT metric, d, clinic_id, sum(value) FROM ({sql}) AS r GROUP BY 1, 2, 3"  # noqa: S608
            cursor.execute(series, params)
            for metric, day, clinic_id, value in cursor.fetchall():
                self._series[metric][(day.isoformat(), clinic_id)] = value

    def _which(self, period: Period) -> int:
        if period == self.period:
            return 1
        if period == self.previous:
            return 0
        raise ValueError("the roll-up source was read for another period")

    def total(self, metric, clinics, period: Period) -> Decimal:
        which = self._which(period)
        return sum((dec(self._totals.get((metric.slug, c.pk, which))) for c in clinics), Decimal(0))

    def _add_up_every_clinic(self) -> dict:
        """Breakdowns and series added up over all the clinics read: what a report of them asks for
        (its tables by practitioner or service, its charts), so the adding is done once per read, not
        once per request. Keyed ``("breakdown", metric, name)`` and ``("series", metric)``."""
        whole = {}
        for (metric, name), rows in self._breakdowns.items():
            whole[("breakdown", metric, name)] = _add_up(rows, self._ids, labelled=True)
        for metric, rows in self._series.items():
            whole[("series", metric)] = _add_up(rows, self._ids, labelled=False)
        return whole

    def breakdown(self, metric, name: str, clinics, period: Period) -> dict[str, tuple[str, Decimal]]:
        self._which(period)
        ids = {c.pk for c in clinics}
        if ids == self._ids:
            return dict(self._whole.get(("breakdown", metric.slug, name), {}))
        return _add_up(self._breakdowns.get((metric.slug, name), {}), ids, labelled=True)

    def series(self, metric, clinics, period: Period) -> dict[str, Decimal]:
        self._which(period)
        ids = {c.pk for c in clinics}
        if ids == self._ids:
            return dict(self._whole.get(("series", metric.slug), {}))
        return _add_up(self._series.get(metric.slug, {}), ids, labelled=False)


def _add_up(rows: dict, ids, *, labelled: bool) -> dict:
    """Rows keyed ``(key, clinic id)`` added up by key over the clinics ``ids``; a labelled row's value is
    ``(label, value)`` and keeps its label."""
    if labelled:
        sums: dict[str, list] = {}
        for (key, clinic_id), (label, value) in rows.items():
            if clinic_id in ids:
                entry = sums.setdefault(key, [label, Decimal(0)])
                entry[1] += dec(value)
        return {key: (label, value) for key, (label, value) in sums.items()}
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for (key, clinic_id), value in rows.items():
        if clinic_id in ids:
            totals[key] += dec(value)
    return dict(totals)


def coverage(organization_id: int, clinics, first, last, today) -> dict:
    """How much of ``[first, last]`` the clinics' roll-ups cover, how many covered days wait for a
    recompute, when today's figures were computed, and the roll-ups' version for ``last``: the latest
    recompute of a day up to it at any of the organization's clinics (a report of a period ending then
    reads nothing later; "returning patients" look at every clinic's visits). One query."""
    stale = Q(marked_at__isnull=False) & Q(marked_at__gt=F("computed_at"))
    in_range = Q(day__gte=first, clinic_id__in=[c.pk for c in clinics])
    result = RolledDay.objects.filter(
        organization_id=organization_id, day__lte=last, computed_at__isnull=False
    ).aggregate(
        covered=Count("id", filter=in_range),
        waiting=Count("id", filter=stale & in_range),
        today=Min("computed_at", filter=Q(day=today, clinic_id__in=[c.pk for c in clinics])),
        version=Max("computed_at"),
    )
    result["expected"] = len(clinics) * ((last - first).days + 1)
    return result


def cache_key(kind: str, *parts) -> str:
    """A cache key for roll-up reads: what was asked and the roll-ups' version, hashed."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"analytics:{kind}:{digest}"


# Roll-up reads are kept until the roll-ups change (the key holds their version); this only bounds how long
# an unused entry stays.
CACHE_SECONDS = 3600
