"""What every scheduling operation may answer besides success: the API's uniform error body, the 409s a
booking conflict or a stale version become, and the 422 for a date range too wide to serve."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.api.errors import ApiConflict
from core.api.schemas import ErrorOut

from ..services.conflicts import SlotTaken, StaleAppointment

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_RANGE_DAYS = 62


def slot_taken(error: SlotTaken) -> ApiConflict:
    return ApiConflict(
        error.message,
        code="slot_taken",
        extra={
            "next_slots": [
                {
                    "start": s.start.isoformat(),
                    "end": s.end.isoformat(),
                    "practitioner_ids": list(s.practitioner_ids),
                }
                for s in error.next_slots
            ]
        },
    )


def stale(error: StaleAppointment) -> ApiConflict:
    return ApiConflict(error.message, code="stale", extra={"current_version": error.current_version})


def checked_range(from_: date, to: date) -> tuple[date, date]:
    if to < from_:
        raise ValidationError({"to": _("The end of the range must not be before its start.")})
    if (to - from_).days > MAX_RANGE_DAYS:
        raise ValidationError({"to": _("Ask for at most %(days)s days.") % {"days": MAX_RANGE_DAYS}})
    return from_, to
