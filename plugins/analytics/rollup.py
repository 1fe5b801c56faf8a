"""Keeping the daily roll-ups: recompute one clinic's day from the metrics' own functions, mark days that
a change touched, and the periodic pass that recomputes today, the marked days and missing recent days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import catalog, visits
from .models import DailyFigure, MonthlyFigure, RolledDay, VisitHistory
from .periods import Period

# How often the periodic pass runs: "today" is never older than this.
INTERVAL_MINUTES = 15
# How far back the pass fills in days that were never rolled up, and how many it does per run.
BACKFILL_DAYS = 400
BACKFILL_PER_RUN = 90
# Days before today recomputed on every pass, whatever was marked (late status changes and first visits).
RECENT_DAYS = 1


def _decimal(value) -> Decimal:
    return Decimal(str(value or 0))


def figures_for_day(clinic, day: date) -> list[DailyFigure]:
    """The roll-up rows of ``clinic``'s ``day``: every ``sum`` metric in total and by each breakdown."""
    tz = clinic.tzinfo
    start, end = Period(day, day).bounds(tz)
    rows = []

    def row(metric, breakdown, key, label, value):
        return DailyFigure(
            organization_id=clinic.organization_id,
            clinic=clinic,
            day=day,
            metric=metric.slug,
            breakdown=breakdown,
            key=str(key)[:100],
            label=str(label)[:200],
            value=_decimal(value),
        )

    for metric in catalog.rolled_up(clinic):
        total = metric.compute([clinic.pk], start, end, tz=tz)
        if total:
            rows.append(row(metric, "", "", "", total))
        for breakdown in metric.breakdowns:
            for key, label, value in metric.compute([clinic.pk], start, end, breakdown=breakdown, tz=tz):
                if value:
                    rows.append(row(metric, breakdown, key, label, value))
    return rows


def recompute_day(clinic, day: date, *, month: bool = True) -> int:
    """Replace ``clinic``'s roll-up of ``day``: its figures, its visits in ``PatientVisits`` and (unless
    ``month`` is false, when the caller refreshes it after more days) the month's figures. Figures are read
    first, then swapped in one transaction; the day counts as computed as of the moment reading began, so a
    change that lands meanwhile (and marks the day) leaves it waiting for the next pass."""
    started = timezone.now()
    rows = figures_for_day(clinic, day)
    start, end = Period(day, day).bounds(clinic.tzinfo)
    # Visits are kept once the clinic's history was filled (before that, the fill reads them all).
    filled = VisitHistory.objects.filter(organization_id=clinic.organization_id, clinic=clinic).exists()
    day_visits = visits.read(clinic, start, end) if filled else []
    with transaction.atomic():
        DailyFigure.objects.filter(organization_id=clinic.organization_id, clinic=clinic, day=day).delete()
        DailyFigure.objects.bulk_create(rows)
        if filled:
            visits.replace_span(clinic, start, end, day_visits)
        if month:
            refresh_month(clinic, day)
        RolledDay.objects.update_or_create(
            organization_id=clinic.organization_id, clinic=clinic, day=day, defaults={"computed_at": started}
        )
    return len(rows)


def month_of(day: date) -> tuple[date, date]:
    """The first day of ``day``'s month and of the next one."""
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def refresh_month(clinic, day: date) -> None:
    """Add up the month of ``day`` from the clinic's daily rows (one statement after the delete)."""
    first, following = month_of(day)
    org = clinic.organization_id
    MonthlyFigure.objects.filter(organization_id=org, clinic=clinic, month=first).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO analytics_monthlyfigure
                   (organization_id, clinic_id, month, metric, breakdown, key, label, value)
            SELECT organization_id, clinic_id, %s, metric, breakdown, key, max(label), sum(value)
              FROM analytics_dailyfigure
             WHERE organization_id = %s AND clinic_id = %s AND day >= %s AND day < %s
             GROUP BY organization_id, clinic_id, metric, breakdown, key
            """,
            [first, org, clinic.pk, first, following],
        )


def recompute(clinic, days: Iterable[date]) -> int:
    """Recompute ``days``, adding up each month touched once, after its last day in the list."""
    ordered = sorted(set(days))
    total = 0
    for n, day in enumerate(ordered):
        last_of_month = n + 1 == len(ordered) or month_of(ordered[n + 1])[0] != month_of(day)[0]
        total += recompute_day(clinic, day, month=last_of_month)
    return total


def mark_days(clinic_id: int, organization_id: int, days: Iterable[date]) -> None:
    """A change touched these days of the clinic: the next pass recomputes them. One statement (an insert
    that updates the mark of days already known), since it runs right after the caller's change."""
    now = timezone.now()
    rows = [
        RolledDay(organization_id=organization_id, clinic_id=clinic_id, day=day, marked_at=now)
        for day in sorted({d for d in days if d is not None})
    ]
    if rows:
        RolledDay.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["organization", "clinic", "day"],
            update_fields=["marked_at"],
        )


def local_today(clinic) -> date:
    return timezone.now().astimezone(clinic.tzinfo).date()


def days_to_refresh(clinic, today: date | None = None) -> list[date]:
    """Tomorrow, today and the last ``RECENT_DAYS``, the marked days, and up to ``BACKFILL_PER_RUN``
    missing days of the last ``BACKFILL_DAYS`` (the most recent first)."""
    today = today or local_today(clinic)
    # Tomorrow too: at midnight it becomes today, already computed within the interval.
    wanted = {today - timedelta(days=n) for n in range(-1, RECENT_DAYS + 1)}
    days = RolledDay.objects.filter(organization_id=clinic.organization_id, clinic=clinic, day__lte=today)
    wanted.update(
        days.filter(Q(computed_at__isnull=True) | Q(marked_at__gt=F("computed_at"))).values_list(
            "day", flat=True
        )
    )
    since = today - timedelta(days=BACKFILL_DAYS)
    have = set(days.filter(day__gte=since, computed_at__isnull=False).values_list("day", flat=True))
    missing = [since + timedelta(days=n) for n in range(BACKFILL_DAYS, -1, -1)]
    missing = [d for d in missing if d not in have and d not in wanted]
    wanted.update(missing[:BACKFILL_PER_RUN])
    return sorted(wanted)


def refresh(clinic) -> dict:
    """One pass for ``clinic``: its visit history once, then the days that need it."""
    filled = 0
    if not VisitHistory.objects.filter(organization_id=clinic.organization_id, clinic=clinic).exists():
        filled = visits.fill(clinic)
    days = days_to_refresh(clinic)
    rows = recompute(clinic, days)
    return {"days": len(days), "rows": rows, "visits": filled}
