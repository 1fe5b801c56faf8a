"""The printable monthly summary of one clinic: WeasyPrint renders analytics/summary_pdf.html in the
clinic's language, with the same report the dashboard shows (figures against the month before, and the
tables behind the charts)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import catalog
from .periods import Period
from .report.build import build
from .report.selection import Selection

# Tables a printed page has room for: the summary leaves out the day-by-day series and the heatmap.
SKIPPED_BREAKDOWNS = ("time", "weekday_hour", "clinic")


def summary_context(clinic, period: Period) -> dict:
    selection = Selection(
        organization_id=clinic.organization_id,
        clinics=[clinic],
        period=period,
        sections=catalog.SECTIONS,
        today=timezone.now().astimezone(clinic.tzinfo).date(),
    )
    result = build(selection)
    for section in result.sections:
        section["tables"] = [t for t in section["tables"] if not t["id"].endswith(SKIPPED_BREAKDOWNS)]
    return {"clinic": clinic, "report": result, "period": period, "generated_at": timezone.now()}


def render_summary(clinic, period: Period) -> bytes:
    import weasyprint

    with translation.override(clinic.locale), timezone.override(clinic.tzinfo):
        html = render_to_string("analytics/summary_pdf.html", summary_context(clinic, period))
    return weasyprint.HTML(string=html, base_url="file:///").write_pdf()
