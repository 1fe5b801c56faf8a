"""The clinic's text-message quiet hours: when a text recorded or due inside them may go out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.tenancy.models import Clinic

from ..models import NotificationSettings


def quiet_until(config: NotificationSettings, clinic: Clinic, now: datetime) -> datetime | None:
    """When the clinic's text-message quiet hours end, if ``now`` falls inside them (clinic-local time)."""
    start, end = config.quiet_hours_start, config.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    tz = clinic.tzinfo
    local = now.astimezone(tz)
    moment = local.time().replace(tzinfo=None)
    if start < end:
        inside, end_day = start <= moment < end, local.date()
    else:  # overnight, e.g. 21:00 - 08:00
        inside = moment >= start or moment < end
        end_day = local.date() + timedelta(days=1) if moment >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)
