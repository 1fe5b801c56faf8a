"""Field types for API schemas and query parameters that take a date or a time from a client.

Each refuses, with a 422 naming the field, what the database or the calendar arithmetic behind it cannot
hold: dates outside the accepted years (``core.dates``), times of day with a UTC offset where the clinic's
wall clock is meant.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from core.dates import FIRST_DAY, LAST_DAY, in_range, out_of_range_message


def _within_years(value):
    if not in_range(value):
        raise ValueError(out_of_range_message())
    return value


_RANGE_NOTE = f"Between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}."

BoundedDate = Annotated[
    date,
    AfterValidator(_within_years),
    WithJsonSchema({"type": "string", "format": "date", "description": _RANGE_NOTE}),
]
"""A calendar day (``YYYY-MM-DD``) within the accepted years."""

BoundedDateTime = Annotated[
    datetime,
    AfterValidator(_within_years),
    WithJsonSchema({"type": "string", "format": "date-time", "description": _RANGE_NOTE}),
]
"""An instant within the accepted years (ISO 8601, with its offset)."""


_WALL_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$")


def _wall_clock(value):
    # A wall-clock time names an hour of the clinic's day; an offset would make it an instant, which the
    # database column cannot keep and which would compare wrongly with the clinic's own times.
    if isinstance(value, str) and not _WALL_CLOCK.match(value):
        raise ValueError(_("Enter a time of day such as 21:00, without a time zone."))
    if isinstance(value, time) and value.tzinfo is not None:
        raise ValueError(_("Enter a time of day such as 21:00, without a time zone."))
    return value


LocalTime = Annotated[
    time,
    BeforeValidator(_wall_clock),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _WALL_CLOCK.pattern,
            "description": "A time of day on the clinic's wall clock (HH:MM or HH:MM:SS), without offset.",
            "examples": ["21:00"],
        }
    ),
]
"""A time of day on the clinic's wall clock, without a UTC offset."""
