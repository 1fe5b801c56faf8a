"""Analytics API, mounted by the core at ``/api/v1/clinics/{clinic_id}/analytics/``.

The same report as the back-office page, as JSON: the figures of the sections the caller's role opens,
each with the previous period's value, and the tables behind the charts. Filters are validated by the
page's own form, so bad input gets the same translated messages (422 with the uniform error body).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import QueryDict
from ninja import Query, Router, Schema
from pydantic import Field

from core.api.common import requires, responses
from core.api.types import BoundedDate
from core.tenancy.access import check_perm

from . import access
from .forms import PRESETS
from .report.build import build
from .views import _filter_form, selection_from

router = Router()


class ReportQuery(Schema):
    period: Literal[tuple(p for p, _label in PRESETS)] | None = Field(  # type: ignore[valid-type]
        None, description="A preset period; ignored when start and end are given."
    )
    start: BoundedDate | None = Field(None, description="First day of the period (local date, inclusive).")
    end: BoundedDate | None = Field(None, description="Last day of the period (inclusive).")
    clinic_ids: list[int] = Field(
        default_factory=list, description="Clinics to report on (default: this one)."
    )
    practitioner_id: int | None = None
    service_id: int | None = None


class FigureOut(Schema):
    slug: str
    label: str
    unit: str
    currency: str
    kind: str
    value: Decimal | None
    previous: Decimal | None
    change: Decimal | None = Field(None, description="Change against the previous period, in percent.")
    unfiltered: bool = Field(description="True when the metric cannot be narrowed by the filters given.")


class ColumnOut(Schema):
    slug: str
    label: str
    unit: str
    currency: str


class RowOut(Schema):
    key: str
    label: str
    values: list[Decimal | None]


class TableOut(Schema):
    id: str
    title: str
    key_label: str
    columns: list[ColumnOut]
    rows: list[RowOut]


class SectionOut(Schema):
    slug: str
    title: str
    currency: str
    figures: list[FigureOut]
    tables: list[TableOut]


class ReportOut(Schema):
    start: date
    end: date
    previous_start: date
    previous_end: date
    clinic_ids: list[int]
    source: str = Field(description="rollup (daily roll-ups) or live (computed on request).")
    as_of: datetime | None = Field(None, description="When the figures for today were computed.")
    sections: list[SectionOut]


def _form_data(filters: ReportQuery) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in (
        ("period", filters.period),
        ("start", filters.start),
        ("end", filters.end),
        ("practitioner", filters.practitioner_id),
        ("service", filters.service_id),
    ):
        if value is not None:
            data[name] = str(value)
    data.setlist("clinics", [str(pk) for pk in filters.clinic_ids])
    return data


RENAME = {"clinics": "clinic_ids", "practitioner": "practitioner_id", "service": "service_id", "range": "end"}


@router.get(
    "/report",
    response=responses({200: ReportOut}),
    openapi_extra=requires("analytics.view_reports"),
    summary="The report for a period",
)
def get_report(request, filters: Query[ReportQuery]):
    check_perm(request, "analytics.view_reports", request.clinic)
    reach = access.reach(request)
    data = _form_data(filters)
    if not filters.clinic_ids and any(c.pk == request.clinic.pk for c in reach.clinics):
        data.setlist("clinics", [str(request.clinic.pk)])
    if not (filters.period or filters.start or filters.end):
        data["period"] = "30d"
    form = _filter_form(request, reach, data)
    if not form.is_valid():
        raise ValidationError(
            {RENAME.get(name, name): [str(m) for m in messages] for name, messages in form.errors.items()}
        )
    selection = selection_from(request, reach, form)
    result = build(selection)
    previous = selection.period.previous()
    return {
        "start": selection.period.first,
        "end": selection.period.last,
        "previous_start": previous.first,
        "previous_end": previous.last,
        "clinic_ids": [c.pk for c in selection.clinics],
        "source": result.mode,
        "as_of": result.freshness.get("as_of"),
        "sections": result.sections,
    }
