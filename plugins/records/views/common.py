"""What the records pages share: rendering a chart tab inside the chart's frame, and addresses."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from core.office.chart import chart_context


def records_url(request: HttpRequest, name: str, **kwargs: object) -> str:
    return reverse(f"office:records:{name}", kwargs={"clinic_slug": request.clinic.slug, **kwargs})


def render_tab(
    request: HttpRequest, patient, template: str, context: dict, *, tab: str, status: int = 200
) -> HttpResponse:
    """A chart tab: the bare tab when the chart fetches it with htmx, else the whole chart page around it
    (a direct visit, a reload, a browser without JavaScript)."""
    context = {"clinic": request.clinic, "patient": patient, **context}
    if request.htmx and not request.htmx.boosted:
        return render(request, f"records/{template}", context, status=status)
    active = records_url(request, tab, patient_id=patient.pk) if tab else ""
    frame = chart_context(request, request.clinic, patient, active=active)
    return render(
        request,
        "records/tab_page.html",
        {**frame, **context, "tab_template": f"records/{template}"},
        status=status,
    )
