"""The years a date or time a person enters may fall in, and how stored values outside them are read.

Far enough for any clinic's records (a birth in 1900, a booking centuries ahead) and far from the ends of
Python's calendar, so adding a duration, buffers, a series' weeks or a zone's offset to any accepted value
never overflows. Forms (``core.forms``), API schemas (``core.api.types``) and imports check against the
same range.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

FIRST_YEAR, LAST_YEAR = 1900, 2999
FIRST_DAY, LAST_DAY = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
# Instants as UTC: a stored time outside them is read as the nearest of them.
FIRST_INSTANT = datetime.combine(FIRST_DAY, time.min, tzinfo=UTC)
LAST_INSTANT = datetime.combine(LAST_DAY, time.max, tzinfo=UTC)

OUT_OF_RANGE = _("Give a date between the years %(first)s and %(last)s.")


def out_of_range_message() -> str:
    return str(OUT_OF_RANGE % {"first": FIRST_YEAR, "last": LAST_YEAR})


def in_range(value: date | datetime) -> bool:
    """Whether a date, or a time's date on its own wall clock, lies within the accepted years."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def check_in_range(value):
    """``value`` unchanged, or a ``ValidationError`` naming the accepted years (``None`` passes)."""
    if value is not None and not in_range(value):
        raise ValidationError(out_of_range_message(), code="year_out_of_range")
    return value


def clamp_instant(value: datetime) -> datetime:
    """A stored instant read for display or arithmetic: one outside the accepted years (written before
    they were checked) becomes the nearest accepted instant, so a page showing it cannot overflow."""
    if value.tzinfo is None or FIRST_INSTANT <= value <= LAST_INSTANT:
        return value
    logger.warning(
        "A stored time outside %s-%s was read as the nearest bound: %r", FIRST_YEAR, LAST_YEAR, value
    )
    return FIRST_INSTANT if value < FIRST_INSTANT else LAST_INSTANT


def babel_locale(language: str | None = None) -> str:
    from django.utils import translation

    return (language or translation.get_language() or "en").replace("-", "_")


def day(value, language: str | None = None, zone=None) -> str:
    """The one way a page writes a date people read ("Dec 6, 2026", "06.12.2026", "6 déc. 2026"): Babel's
    medium format in the active language. A moment is read on ``zone``'s clock, by default the active one,
    which is the clinic's on every page (core.tenancy.clinic_time); "" for no value."""
    from babel.dates import format_date
    from django.utils import timezone

    if not value:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value, zone).date() if timezone.is_aware(value) else value.date()
    return format_date(value, format="medium", locale=babel_locale(language))


def day_and_time(value: datetime, language: str | None = None, zone=None) -> str:
    """ "Dec 6, 2026, 09:30": ``day`` with the wall-clock time on ``zone``'s clock (by default the active
    one), on the 24-hour clock the calendars use."""
    from django.utils import timezone

    if timezone.is_aware(value):
        value = timezone.localtime(value, zone)
    return f"{day(value, language)}, {value:%H:%M}"
