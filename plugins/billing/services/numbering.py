"""Invoice and credit-note numbers: each clinic has one series of each kind.

An invoice's number is taken from its clinic's series row, locked in the issuing transaction. Two issues
in one clinic therefore queue on that row; a failed issue (a listener refusing it, an error) rolls back and
its number is handed to the next one, so numbers have no gaps.
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from core.tenancy.models import Clinic

from ..models import InvoiceSeries, SeriesKind
from .country_defaults import series_defaults
from .dates import local_today

DEFAULT_PREFIX = {SeriesKind.INVOICE: "INV", SeriesKind.CREDIT_NOTE: "CN"}


def ensure_series(clinic: Clinic, kind: str) -> InvoiceSeries:
    """The clinic's series of ``kind``, created with a default prefix the first time (race-safe)."""
    series = InvoiceSeries.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, kind=kind
    ).first()
    if series is None:
        InvoiceSeries.objects.bulk_create(
            [
                InvoiceSeries(
                    organization_id=clinic.organization_id,
                    clinic=clinic,
                    kind=kind,
                    **({"prefix": DEFAULT_PREFIX[kind]} | series_defaults(clinic, kind)),
                    year=local_today(clinic).year,
                )
            ],
            ignore_conflicts=True,
        )
        series = InvoiceSeries.objects.get(organization_id=clinic.organization_id, clinic=clinic, kind=kind)
    return series


# One statement takes the number: the UPDATE locks the series row until the issuing transaction ends (as
# SELECT ... FOR UPDATE would), a series that starts again every year starts at 1 in a new year, and the
# row comes back as it now is. Filtered by organization like every tenant query (raw SQL is not scoped).
TAKE_NUMBER = """
UPDATE billing_invoiceseries SET
    year = CASE WHEN yearly_reset AND year <> %(year)s THEN %(year)s ELSE year END,
    next_number = CASE WHEN yearly_reset AND year <> %(year)s THEN 2 ELSE next_number + 1 END
WHERE organization_id = %(organization)s AND clinic_id = %(clinic)s AND kind = %(kind)s
RETURNING {columns}
"""


def take_number(clinic: Clinic, kind: str, on: date) -> tuple[InvoiceSeries, int, str]:
    """Take the series' next number under its row lock; must run inside the issuing transaction. One
    query (three the first time a clinic issues, when the series is created)."""
    fields = [f.attname for f in InvoiceSeries._meta.concrete_fields]
    sql = TAKE_NUMBER.format(columns=", ".join(connection.ops.quote_name(f) for f in fields))
    params = {"year": on.year, "organization": clinic.organization_id, "clinic": clinic.pk, "kind": kind}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            ensure_series(clinic, kind)
            cursor.execute(sql, params)
            row = cursor.fetchone()
    series = InvoiceSeries.from_db(connection.alias, fields, row)
    sequence = series.next_number - 1
    return series, sequence, series.format(on.year, sequence)
