"""A clinic's opening hours as patients see them: the working hours of its active practitioners merged
per weekday, and the closures coming up."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.db.models import Q

from core.tenancy.models import Clinic

from .models import ClinicClosure, Weekday, WorkingHours

CLOSURES_AHEAD_DAYS = 120


def _merge(ranges: list[tuple[time, time]]) -> list[tuple[time, time]]:
    merged: list[tuple[time, time]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def opening_week(clinic: Clinic, today: date) -> list[dict]:
    """Monday to Sunday: ``{"weekday", "label", "ranges": [(start, end), ...]}``; a day with no ranges
    is closed. Only hours valid on ``today`` count, so a schedule that has ended is not shown. One query."""
    rows = (
        WorkingHours.objects.filter(
            organization_id=clinic.organization_id,
            clinic=clinic,
            membership__is_active=True,
            valid_from__lte=today,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .values_list("weekday", "start_time", "end_time")
    )
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, start, end in rows:
        by_day.setdefault(weekday, []).append((start, end))
    return [
        {"weekday": day.value, "label": day.label, "ranges": _merge(by_day.get(day.value, []))}
        for day in Weekday
    ]


def upcoming_closures(clinic: Clinic, today: date, days: int = CLOSURES_AHEAD_DAYS) -> list[ClinicClosure]:
    """Closures that have not ended and start within ``days``, soonest first."""
    return list(
        ClinicClosure.objects.filter(
            organization_id=clinic.organization_id,
            clinic=clinic,
            end_date__gte=today,
            start_date__lte=today + timedelta(days=days),
        ).order_by("start_date", "id")[:10]
    )
