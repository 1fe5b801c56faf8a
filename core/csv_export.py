"""Every CSV file the product hands out is written here, so one rule keeps spreadsheets from running it.

A spreadsheet program reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return, which some programs skip before looking) as a formula: an item named ``=HYPERLINK("http://x")``
would open a link for whoever opens the export. Following OWASP, such a cell gets a leading single quote,
which spreadsheets read as "this is text" and do not show.

Only text is neutralised. A cell is text when the value handed in is a ``str``; numbers (``int``,
``float``, ``Decimal``), dates and times are written as they are, so a stock movement of -4 stays a number
the spreadsheet can add up. Callers therefore pass numbers and dates as such, never already formatted.

The file is written into the response in full rather than streamed: its rows are read inside the request's
tenant scope and clinic time zone, and both end when the view returns.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """The cell as written: text that a spreadsheet would run gets a leading quote, numbers and dates
    keep their type, nothing (None) is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value)  # names, labels and translated strings: all text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_filename(name: str, day: date | None = None) -> str:
    """``<name>-<YYYY-MM-DD>.csv`` from a translated ``name``, dated today on the active clinic's clock."""
    day = day or timezone.localdate()
    return f"{slugify(name, allow_unicode=True) or 'export'}-{day:%Y-%m-%d}.csv"


def csv_response(name: str, rows: Iterable[Sequence[object]], day: date | None = None) -> HttpResponse:
    """A download of ``rows`` (the header first) named after the translated ``name`` and the date."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, csv_filename(name, day))
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return response
