"""Keeping the daily roll-ups: recompute one clinic's day from the metrics' own functions, mark days that
a change touched, and the periodic pass that recomputes today, the marked days and missing recent days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import catalog
from .models import DailyFigure, RolledDay
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


def recompute_day(clinic, day: date) -> int:
    """Replace ``clinic``'s roll-up of ``day``. Figures are read first, then swapped in one transaction;
    the day counts as computed as of the moment reading began, so a change that lands meanwhile (and marks
    the day) leaves it waiting for the next pass."""
    started = timezone.now()
    rows = figures_for_day(clinic, day)
    with transaction.atomic():
        DailyFigure.objects.filter(organization_id=clinic.organization_id, clinic=clinic, day=day).delete()
        DailyFigure.objects.bulk_create(rows)
        RolledDay.objects.update_or_create(
            organization_id=clinic.organization_id, clinic=clinic, day=day, defaults={"computed_at": started}
        )
    return len(rows)


def recompute(clinic, days: Iterable[date]) -> int:
    return sum(recompute_day(clinic, day) for day in sorted(set(days)))


def mark_days(clinic_id: int, organization_id: int, days: Iterable[date]) -> None:
    """A change touched these days of the clinic: the next pass recomputes them."""
    now = timezone.now()
    with transaction.atomic():
        for day in sorted({d for d in days if d is not None}):
            RolledDay.objects.update_or_create(
                organization_id=organization_id, clinic_id=clinic_id, day=day, defaults={"marked_at": now}
            )


def local_today(clinic) -> date:
    return timezone.now().astimezone(clinic.tzinfo).date()


def days_to_refresh(clinic, today: date | None = None) -> list[date]:
    """Today and the last ``RECENT_DAYS``, the marked days, and up to ``BACKFILL_PER_RUN`` missing days
    of the last ``BACKFILL_DAYS`` (the most recent first)."""
    today = today or local_today(clinic)
    wanted = {today - timedelta(days=n) for n in range(RECENT_DAYS + 1)}
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
    days = days_to_refresh(clinic)
    rows = recompute(clinic, days)
    return {"days": len(days), "rows": rows}
