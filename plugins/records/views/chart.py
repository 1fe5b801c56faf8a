"""The chart's tabs: timeline, notes, vitals (with a chart over time)."""

from __future__ import annotations

import json
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime

from core.audit.recording import declare_shown, shows
from core.audit.vocabulary import Category
from core.office.decorators import member_required
from core.tenancy.modules import clinic_hook

from .. import selectors
from ..access import access_chart
from ..models import Encounter
from ..services.notes import settings_for
from ..vitals_catalog import KINDS, UNIT_LABELS, entry_unit, for_display
from .common import render_tab

TIMELINE_PAGE = 25
TIMELINE_KINDS = ("encounter", "note", "appointment", "invoice", "message", "file")


def _cursor(raw: str | None) -> datetime | None:
    parsed = parse_datetime(raw or "") if raw and len(raw) < 40 else None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


@member_required
@shows(Category.CLINICAL_NOTES, Category.VITALS)
def timeline(request: HttpRequest, clinic_slug: str, patient_id: str) -> HttpResponse:
    """Every module's entries in one list, newest first, a page at a time (keyset: ``before``)."""
    patient = access_chart(request, patient_id)
    kinds = [k for k in request.GET.getlist("kind") if k in TIMELINE_KINDS]
    before = _cursor(request.GET.get("before"))
    entries = []
    for answer in clinic_hook(request.clinic, "clinic_patient_timeline_entries")(
        request=request,
        clinic=request.clinic,
        patient=patient,
        before=before,
        limit=TIMELINE_PAGE,
        kinds=kinds,
    ):
        entries.extend(answer or [])
    entries.sort(key=lambda e: (e.at, e.key), reverse=True)
    page = entries[:TIMELINE_PAGE]
    declare_shown(page)
    more = len(entries) > TIMELINE_PAGE
    return render_tab(
        request,
        patient,
        "timeline.html",
        {
            "entries": page,
            "more": more,
            "next_before": page[-1].at.isoformat() if more and page else "",
            "kinds": kinds,
            "kind_choices": TIMELINE_KINDS,
        },
        tab="timeline",
    )


@member_required
@shows(Category.CLINICAL_NOTES)
def notes(request: HttpRequest, clinic_slug: str, patient_id: str) -> HttpResponse:
    patient = access_chart(request, patient_id)
    rows = list(
        selectors.readable_notes(request.member, patient)
        .select_related("template_version__template", "author__user", "encounter")
        .order_by("-created_at", "-id")[:100]
    )
    encounters = list(
        Encounter.objects.filter(organization_id=patient.organization_id, patient=patient)
        .select_related("practitioner__user")
        .order_by("-started_at")[:5]
    )
    return render_tab(
        request,
        patient,
        "notes_tab.html",
        {
            "notes": rows,
            "encounters": encounters,
            "may_write": request.user.has_perm("records.write_chart", request.clinic),
        },
        tab="notes",
    )


@member_required
@shows(Category.VITALS)
def vitals(request: HttpRequest, clinic_slug: str, patient_id: str, form=None) -> HttpResponse:
    """The measurements, newest first, and a chart per vital over time (in the clinic's units)."""
    from ..forms import VitalsForm

    patient = access_chart(request, patient_id)
    units = settings_for(request.clinic).units
    rows = list(selectors.vitals_series(patient))
    series: dict[str, list] = {}
    for row in reversed(rows):
        kind = KINDS.get(row.kind)
        if kind is None:
            continue
        series.setdefault(row.kind, []).append(
            {"x": row.measured_at.isoformat(), "y": float(for_display(kind, row.value, units))}
        )
    table = [
        {
            "row": row,
            "label": KINDS[row.kind].label,
            "value": for_display(KINDS[row.kind], row.value, units),
            "unit": UNIT_LABELS[entry_unit(KINDS[row.kind], units)],
        }
        for row in rows[:60]
        if row.kind in KINDS
    ]
    charts = [
        {
            "key": key,
            "label": str(KINDS[key].label),
            "unit": UNIT_LABELS[entry_unit(KINDS[key], units)],
            "points": pts,
        }
        for key, pts in series.items()
    ]
    return render_tab(
        request,
        patient,
        "vitals_tab.html",
        {
            "table": table,
            "charts_json": json.dumps(charts),
            "form": form or VitalsForm(units=units),
            "may_write": request.user.has_perm("records.write_chart", request.clinic),
        },
        tab="vitals",
    )
