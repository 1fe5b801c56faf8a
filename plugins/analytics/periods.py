"""Report periods: whole local days, first and last inclusive, and the period just before of equal length.

A day's bounds are its local midnights in the clinic's time zone, so a day across a DST change is 23 or
25 hours long and a range across New Year is just more days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_DAYS = 731


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def __post_init__(self):
        if self.last < self.first:
            raise ValidationError(_("The end of the period is before its start."), code="inverted")
        if self.days > MAX_DAYS:
            raise ValidationError(
                _("A period can be at most %(days)s days long.") % {"days": MAX_DAYS}, code="too_long"
            )

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def bounds(self, tz) -> tuple[datetime, datetime]:
        return midnight(self.first, tz), midnight(self.last + timedelta(days=1), tz)

    def each_day(self):
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)

    def monthly(self) -> bool:
        """Long periods are charted by month, short ones by day."""
        return self.days > 62


def midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def month_period(year: int, month: int) -> Period:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1))
