"""Reading FHIR search parameters: ``_count`` and paging, dates with prefixes, tokens, references.

Every value a client sends is checked here; anything malformed is a 400 OperationOutcome naming the
parameter, never a 500 or a silently ignored filter.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .outcome import FhirError

DEFAULT_COUNT = 50
MAX_COUNT = 200
# Paging, format and summary controls: not filters, so never checked against a type's parameters.
CONTROL_PARAMS = frozenset({"_count", "_offset", "_format", "_pretty", "_include", "_revinclude"})

_DATE = re.compile(
    r"^(?P<prefix>eq|ne|gt|lt|ge|le|sa|eb)?"
    r"(?P<value>\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?)$"
)


class SearchParams:
    """The query string's filters: ``{name: [value, ...]}`` (a repeated parameter is AND, a comma in one
    value is OR, as in FHIR)."""

    def __init__(self, query):
        self.values: dict[str, list[str]] = {
            name: list(query.getlist(name)) for name in query if name not in CONTROL_PARAMS
        }

    @classmethod
    def of(cls, values: dict[str, list[str]]) -> SearchParams:
        params = cls.__new__(cls)
        params.values = values
        return params

    def names(self) -> set[str]:
        # A modifier (``name:exact``) belongs to its parameter.
        return {name.split(":", 1)[0] for name in self.values}

    def items(self):
        for name, values in self.values.items():
            base, _sep, modifier = name.partition(":")
            for value in values:
                yield base, modifier, value


def bad_param(name: str, value: str) -> FhirError:
    return FhirError(
        _("The search parameter %(name)s has a value that cannot be read: %(value)s")
        % {"name": name, "value": value[:100]}
    )


def paging(query) -> tuple[int, int]:
    """``(count, offset)`` from ``_count`` and ``_offset``."""
    try:
        count = int(query.get("_count", DEFAULT_COUNT))
        offset = int(query.get("_offset", 0))
    except ValueError:
        raise FhirError(_("_count and _offset must be whole numbers.")) from None
    if count < 0 or offset < 0 or offset > 10**7:
        raise FhirError(_("_count and _offset must be whole numbers.")) from None
    return min(count, MAX_COUNT), offset


def date_range(name: str, value: str, tz=None) -> tuple[str, datetime, datetime]:
    """``(prefix, start, end)``: the instant range a FHIR date value stands for (a day is the whole day,
    in ``tz`` when the value names no zone)."""
    match = _DATE.match(value or "")
    if not match:
        raise bad_param(name, value)
    prefix, text = match.group("prefix") or "eq", match.group("value")
    tz = tz or timezone.get_current_timezone()
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=tz)
            step = timedelta(seconds=1) if text.count(":") >= 2 else timedelta(minutes=1)
            return prefix, moment, moment + step
        parts = [int(p) for p in text.split("-")]
        first = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise bad_param(name, value) from None
    if len(parts) == 3:
        last = first + timedelta(days=1)
    elif len(parts) == 2:
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    else:
        last = first.replace(year=first.year + 1)
    start = datetime.combine(first, time.min, tzinfo=tz)
    return prefix, start, datetime.combine(last, time.min, tzinfo=tz)


def date_q(name: str, value: str, start_field: str, end_field: str | None = None, tz=None) -> Q:
    """A filter for a date parameter on a stored instant (or a ``[start_field, end_field)`` period)."""
    prefix, start, end = date_range(name, value, tz)
    end_field = end_field or start_field
    if prefix == "eq":
        return (
            Q(**{f"{start_field}__gte": start, f"{end_field}__lt": end})
            if end_field == start_field
            else Q(**{f"{start_field}__gte": start, f"{end_field}__lte": end})
        )
    if prefix == "ne":
        return ~Q(**{f"{start_field}__gte": start, f"{start_field}__lt": end})
    if prefix in ("gt", "sa"):
        return Q(**{f"{end_field}__gte": end})
    if prefix == "ge":
        return Q(**{f"{end_field}__gte": start})
    if prefix in ("lt", "eb"):
        return Q(**{f"{start_field}__lt": start})
    return Q(**{f"{start_field}__lt": end})  # le


def day_q(name: str, value: str, field: str) -> Q:
    """A filter for a date parameter on a stored calendar day (a birth date)."""
    prefix, start, end = date_range(name, value, timezone.get_fixed_timezone(0))
    first, after = start.date(), end.date()
    lookups = {
        "eq": Q(**{f"{field}__gte": first, f"{field}__lt": after}),
        "ne": ~Q(**{f"{field}__gte": first, f"{field}__lt": after}),
        "gt": Q(**{f"{field}__gte": after}),
        "sa": Q(**{f"{field}__gte": after}),
        "ge": Q(**{f"{field}__gte": first}),
        "lt": Q(**{f"{field}__lt": first}),
        "eb": Q(**{f"{field}__lt": first}),
        "le": Q(**{f"{field}__lt": after}),
    }
    return lookups[prefix]


def token(value: str) -> tuple[str | None, str]:
    """``(system, code)`` of a token value: ``system|code``, ``|code`` (no system) or ``code``."""
    if "|" in value:
        system, _sep, code = value.partition("|")
        return system, code
    return None, value


def reference_id(name: str, value: str, resource_type: str) -> int:
    """The id in a reference parameter (``Patient/12`` or ``12``) of ``resource_type``."""
    text = value.rsplit("/", 2)
    if len(text) >= 2 and text[-2] != resource_type:
        raise bad_param(name, value)
    try:
        found = int(text[-1])
    except ValueError:
        raise bad_param(name, value) from None
    if not 0 < found < 2**63:
        raise bad_param(name, value)
    return found


def resource_id(value) -> int | None:
    """A resource id from the address or ``_id``: our ids are positive integers; anything else matches
    nothing (and a read of it is a 404, like any unknown id)."""
    text = str(value)
    if not text.isdigit() or len(text) > 18:
        return None
    found = int(text)
    return found if found > 0 else None


def one_of(values: str) -> list[str]:
    """The alternatives of one parameter value (``a,b`` is a OR b)."""
    return [v for v in values.split(",") if v != ""]
