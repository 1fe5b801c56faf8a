"""The tables of a report section: which there are, their columns, their rows and how much of them the
page shows.

A table is named by its breakdown: ``time`` (by day, or by month for long periods), ``clinic``, or one of the
metrics' own breakdowns. The metrics say which tables they are columns of (``Metric.tables``) and where among
the columns (``Metric.column``); this module only knows how each breakdown is presented.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.plugins.types import Metric

from .. import catalog
from .charts import chart_data, heatmap
from .reader import FigureReader, base_metric, breakdowns_of

BREAKDOWN_LABELS = {
    "clinic": lambda: _("Clinic"),
    "day": lambda: _("Day"),
    "month": lambda: _("Month"),
    "practitioner": lambda: _("Practitioner"),
    "service": lambda: _("Service"),
    "channel": lambda: _("Booked through"),
    "cancelled_by": lambda: _("Cancelled by"),
    "method": lambda: _("Payment method"),
    "age_band": lambda: _("Age"),
    "item": lambda: _("Item"),
    "weekday_hour": lambda: _("Weekday and hour"),
}

# Where each section's tables stand; a table the metrics ask for that is not listed comes after these, in
# the order the metrics name it.
SECTION_LAYOUT = {
    "revenue": ("time", "clinic", "practitioner", "service", "method"),
    "appointments": ("time", "clinic", "practitioner", "service", "cancelled_by", "channel"),
    "patients": ("time", "clinic", "age_band"),
    "utilization": ("practitioner", "clinic", "weekday_hour"),
    "inventory": ("clinic", "item"),
}

# Rows in a natural order: time, hour of the week, age, or the choices' own order.
NATURAL_ORDER = ("time", "weekday_hour", "age_band", "cancelled_by", "channel")
# A table longer than this shows its leading rows by the first column, chart included (a chart of 600
# practitioners reads as nothing); the CSV export and the API always have every row. Tables of a handful of
# rows, and the heatmap's grid, are always shown whole.
LEADING = 20
SHOWN_WHOLE = (*NATURAL_ORDER, "method")


def section_tables(section: str, metrics: dict[str, Metric]) -> list[tuple[str, list[Metric]]]:
    """The section's tables by breakdown, in their place, each with the metrics that may be its columns."""
    in_section = [m for m in metrics.values() if m.section == section and m.tables]
    order = list(SECTION_LAYOUT.get(section, ()))
    order += [b for m in in_section for b in m.tables if b not in order]
    found = []
    for breakdown in dict.fromkeys(order):
        columns = sorted((m for m in in_section if breakdown in m.tables), key=lambda m: m.column)
        if columns:
            found.append((breakdown, columns))
    return found


def _chart_type(breakdown: str) -> str:
    return {"time": "line", "weekday_hour": "heatmap"}.get(breakdown, "bar")


def leading_first(row: dict) -> tuple:
    """Rows by their first column, largest first (no value counts as 0), then by label."""
    return (-(row["values"][0] or 0), row["label"], row["key"])


def table(
    reader: FigureReader,
    section: str,
    currency: str,
    clinics: list,
    breakdown: str,
    candidates: list[Metric],
    section_title: str,
    split: bool = False,
) -> dict | None:
    """The ``breakdown`` table of ``section`` at ``clinics``, or None when no column applies there."""
    selection = reader.selection
    columns = [
        m
        for m in candidates
        if reader.filterable(m) and catalog.clinics_for(base_metric(m, reader.metrics), clinics)
    ]
    if breakdown not in ("time", "clinic"):
        columns = [m for m in columns if breakdown in breakdowns_of(m, reader.metrics)]
    if breakdown == "time":
        columns = [m for m in columns if m.kind in ("sum", "ratio")]
    if not columns:
        return None
    period = selection.period
    rows: dict[str, dict] = {}

    def put(key, label, index, value):
        row = rows.setdefault(key, {"key": key, "label": label, "values": [None] * len(columns)})
        row["values"][index] = value

    for index, metric in enumerate(columns):
        if breakdown == "time":
            for key, value in reader.series(metric, clinics, period).items():
                put(key, key, index, value)
        elif breakdown == "clinic":
            for clinic in clinics:
                put(str(clinic.pk), clinic.name, index, reader.clinic_total(metric, clinic, clinics, period))
        else:
            for key, (label, value) in reader.breakdown(metric, breakdown, clinics, period).items():
                put(key, str(label), index, value)
    ordered = list(rows.values())
    if breakdown in NATURAL_ORDER:
        ordered.sort(key=lambda r: r["key"])
    elif breakdown != "clinic":
        ordered.sort(key=leading_first)
    shown = ordered
    limit = None if breakdown in SHOWN_WHOLE else LEADING
    if limit and len(ordered) > limit:
        if breakdown == "clinic":  # in the clinics' own order while they all fit
            ordered = sorted(ordered, key=leading_first)
        shown = ordered[:limit]
    for row in shown:
        row["cells"] = [{"value": v, "unit": c.unit} for v, c in zip(row["values"], columns, strict=True)]
    by = (
        "month" if breakdown == "time" and period.monthly() else ("day" if breakdown == "time" else breakdown)
    )
    by_label = BREAKDOWN_LABELS.get(by, lambda: by)()
    chart = _chart_type(breakdown)
    found = {
        "id": f"{section}-{currency.lower()}-{breakdown}" if split else f"{section}-{breakdown}",
        "title": _("%(section)s by %(breakdown)s")
        % {"section": section_title, "breakdown": by_label.lower()},
        "key_label": by_label,
        "columns": [
            {
                "slug": m.slug,
                "label": str(m.label),
                "unit": m.unit,
                "currency": currency if m.unit == "money" else "",
            }
            for m in columns
        ],
        "rows": ordered,
        "shown": shown,
        "leading_by": columns[0].label if len(shown) < len(ordered) else "",
        "chart": chart,
    }
    found["chart_id"] = f"chart-{found['id']}"
    if chart == "heatmap":
        found["heatmap"] = heatmap(ordered)
    else:
        found["chart_data"] = chart_data(found, by_label)
    return found
