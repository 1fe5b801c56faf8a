"""A report: the figures of the sections a member may see, each against the previous period, and the
tables (with their charts) that break them down, for a set of clinics, a period and optional filters.

Plain data only (dicts, lists, Decimals), so the page, the CSV export, the PDF summary and the API all
render the same thing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from . import catalog
from .periods import Period
from .sources import LiveSource, RollupSource, coverage
from .visits import VisitFigures, filled

SECTION_TITLES = {
    "revenue": lambda: _("Revenue"),
    "appointments": lambda: _("Appointments"),
    "patients": lambda: _("Patients"),
    "utilization": lambda: _("Practitioner utilization"),
    "inventory": lambda: _("Inventory"),
    "other": lambda: _("More figures"),
}

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

UNIT_LABELS = {
    "count": lambda: _("Number"),
    "percent": lambda: "%",
    "hours": lambda: _("Hours"),
    "days": lambda: _("Days"),
}

# The tables of each section: (breakdown, metric slugs, chart type, most rows on the page or None).
# "time" is by day (or by month for long periods), "clinic" by clinic; others are the metrics' breakdowns.
# A table longer than its page limit shows its leading rows by the first column, chart included (a chart
# of 600 practitioners reads as nothing); the CSV export and the API always have every row.
LEADING = 20
TABLES = {
    "revenue": [
        ("time", ["revenue_invoiced", "revenue_collected"], "line", None),
        ("clinic", ["revenue_invoiced", "revenue_collected", "revenue_outstanding"], "bar", LEADING),
        (
            "practitioner",
            ["revenue_invoiced", "revenue_outstanding", "revenue_average_invoice"],
            "bar",
            LEADING,
        ),
        ("service", ["revenue_invoiced"], "bar", LEADING),
        ("method", ["revenue_collected"], "bar", None),
    ],
    "appointments": [
        (
            "time",
            [
                "appointments_booked",
                "appointments_completed",
                "appointments_cancelled",
                "appointments_no_show",
            ],
            "line",
            None,
        ),
        (
            "clinic",
            [
                "appointments_booked",
                "appointments_completed",
                "appointments_no_show_rate",
                "appointments_online_share",
            ],
            "bar",
            LEADING,
        ),
        (
            "practitioner",
            ["appointments_booked", "appointments_completed", "appointments_no_show_rate"],
            "bar",
            LEADING,
        ),
        (
            "service",
            ["appointments_booked", "appointments_completed", "appointments_no_show_rate"],
            "bar",
            LEADING,
        ),
        ("cancelled_by", ["appointments_cancelled"], "bar", None),
        ("channel", ["appointments_booked"], "bar", None),
    ],
    "patients": [
        ("time", ["patients_new"], "line", None),
        (
            "clinic",
            ["patients_new", "patients_seen", "patients_returning", "patients_active"],
            "bar",
            LEADING,
        ),
        ("age_band", ["patients_seen"], "bar", None),
    ],
    "utilization": [
        (
            "practitioner",
            ["practitioner_utilization", "practitioner_booked_hours", "practitioner_available_hours"],
            "bar",
            LEADING,
        ),
        (
            "clinic",
            ["practitioner_utilization", "practitioner_booked_hours", "practitioner_available_hours"],
            "bar",
            LEADING,
        ),
        ("weekday_hour", ["practitioner_utilization"], "heatmap", None),
    ],
    "inventory": [
        (
            "clinic",
            [
                "inventory_stock_value",
                "inventory_expiring_value",
                "inventory_below_reorder",
                "inventory_items_dispensed",
            ],
            "bar",
            LEADING,
        ),
        ("item", ["inventory_items_dispensed"], "bar", LEADING),
    ],
}


@dataclass
class Selection:
    organization_id: int
    clinics: list
    period: Period
    practitioner: int | None = None
    service: int | None = None
    sections: tuple[str, ...] = catalog.SECTIONS
    today: date | None = None
    force_live: bool = False

    @property
    def filters(self) -> dict:
        return {k: v for k, v in (("practitioner", self.practitioner), ("service", self.service)) if v}


@dataclass
class Report:
    selection: Selection
    mode: str
    freshness: dict
    sections: list = field(default_factory=list)

    def table(self, table_id: str) -> dict | None:
        for section in self.sections:
            for table in section["tables"]:
                if table["id"] == table_id:
                    return table
        return None


def _ratio(numerator: Decimal, denominator: Decimal, scale: int) -> Decimal | None:
    if not denominator:
        return None
    return (numerator * scale / denominator).quantize(Decimal("0.01"))


def _change(value, previous) -> Decimal | None:
    if value is None or previous is None or not previous:
        return None
    return ((value - previous) * 100 / abs(previous)).quantize(Decimal("0.1"))


class _Reader:
    """Answers figures for one report, from a roll-up source for ``sum`` metrics when it may, and live
    for the rest; ratios are computed from their two sums."""

    def __init__(self, selection: Selection, source, live: LiveSource, visits: VisitFigures | None = None):
        self.selection, self.source, self.live, self.visits = selection, source, live, visits
        self.metrics = catalog.all_metrics()
        self._by_clinic: dict[tuple, dict] = {}
        self._groups: dict[tuple, tuple[list, list]] = {}

    def _src(self, metric):
        if metric.kind == "sum":
            return self.source
        if metric.from_visits and self.visits is not None:
            return self.visits
        return self.live

    def _group(self, metric, clinics) -> tuple[list, frozenset]:
        """``catalog.clinics_for`` once per metric and clinic list, with the group's ids: a table by clinic
        asks for every row, which at a hundred clinics made its cost grow with the square of their number."""
        key = (metric.slug, id(clinics))
        if key not in self._groups:  # the list is kept with its group, so its id is not reused meanwhile
            group = catalog.clinics_for(metric, clinics)
            self._groups[key] = (clinics, group, frozenset(c.pk for c in group))
        return self._groups[key][1:]

    def clinic_total(self, metric, clinic, clinics, period) -> Decimal | None:
        """``metric`` at one of ``clinics``: distinct-patient figures come with their group's query."""
        if (
            metric.kind == "live"
            and metric.from_visits
            and self.visits is not None
            and period == self.selection.period
        ):
            group, ids = self._group(metric, clinics)
            if clinic.pk in ids and metric.from_visits in ("seen", "returning", "active"):
                return self.visits.clinic_total(metric, clinic, group)
        if metric.kind == "snapshot" and "clinic" in metric.breakdowns and period == self.selection.period:
            group, ids = self._group(metric, clinics)
            if clinic.pk not in ids:
                return None
            key = (metric.slug, ids)
            if key not in self._by_clinic:
                self._by_clinic[key] = self.live.breakdown(metric, "clinic", group, None)
            return self._by_clinic[key].get(str(clinic.pk), ("", Decimal(0)))[1]
        return self.total(metric, [clinic], period)

    def filterable(self, metric) -> bool:
        parts = [metric]
        if metric.kind == "ratio":
            parts = [self.metrics[s] for s in metric.ratio_of if s in self.metrics]
        return all(set(self.selection.filters) <= set(p.filters) for p in parts)

    def total(self, metric, clinics, period) -> Decimal | None:
        if metric.kind == "ratio":
            num, den = (self.metrics.get(s) for s in metric.ratio_of)
            if num is None or den is None:
                return None
            return _ratio(self.total(num, clinics, period), self.total(den, clinics, period), metric.scale)
        clinics = catalog.clinics_for(metric, clinics)
        if not clinics:
            return None
        if metric.kind == "snapshot":
            return self.live.total(metric, clinics, None) if period == self.selection.period else None
        return self._src(metric).total(metric, clinics, period)

    def breakdown(self, metric, name, clinics, period) -> dict[str, tuple[str, Decimal | None]]:
        if metric.kind == "ratio":
            num, den = (self.metrics.get(s) for s in metric.ratio_of)
            if num is None or den is None:
                return {}
            top, bottom = (
                self.breakdown(num, name, clinics, period),
                self.breakdown(den, name, clinics, period),
            )
            return {
                key: (
                    label,
                    _ratio(
                        top.get(key, ("", Decimal(0)))[1] or Decimal(0), value or Decimal(0), metric.scale
                    ),
                )
                for key, (label, value) in bottom.items()
            }
        clinics = catalog.clinics_for(metric, clinics)
        if not clinics or name not in metric.breakdowns:
            return {}
        if metric.kind == "live" and self._src(metric) is self.visits and metric.regroup is None:
            return self.live.breakdown(metric, name, clinics, period)
        return self._src(metric).breakdown(
            metric, name, clinics, None if metric.kind == "snapshot" else period
        )

    def series(self, metric, clinics, period) -> dict[str, Decimal | None]:
        """Day (or month) -> value over the period."""
        monthly = period.monthly()
        if metric.kind == "ratio":
            num, den = (self.metrics.get(s) for s in metric.ratio_of)
            top, bottom = self.series(num, clinics, period), self.series(den, clinics, period)
            return {
                k: _ratio(top.get(k) or Decimal(0), v or Decimal(0), metric.scale) for k, v in bottom.items()
            }
        clinics = catalog.clinics_for(metric, clinics)
        buckets = {_bucket(day, monthly): Decimal(0) for day in period.each_day()}
        if not clinics or metric.kind != "sum":
            return buckets
        for day, value in self._src(metric).series(metric, clinics, period).items():
            key = _bucket(date.fromisoformat(day), monthly)
            if key in buckets:
                buckets[key] += value
        return buckets


def _bucket(day: date, monthly: bool) -> str:
    return day.strftime("%Y-%m") if monthly else day.isoformat()


def visit_figures(selection: Selection, source, freshness: dict | None = None) -> VisitFigures | None:
    """The distinct-patient figures from ``PatientVisits`` when the roll-ups answer the report and every
    clinic's visits were filled; live otherwise."""
    if source.mode != "rollup":
        return None
    freshness = freshness or {}
    feeds = [m for m in catalog.all_metrics().values() if m.kind == "visits"]
    wanted = {c.pk for m in feeds for c in catalog.clinics_for(m, selection.clinics)}
    done = filled(selection.organization_id) if wanted else {}
    if not wanted or not wanted <= set(done):
        return None
    version = (freshness.get("version"), max(done.values()))
    return VisitFigures(
        selection.organization_id, selection.period, selection.period.previous(), version, set(done)
    )


def choose_source(selection: Selection, slugs) -> tuple[object, dict]:
    """Roll-ups when they cover both periods and nothing asks for more than they hold; live otherwise."""
    live = LiveSource(selection.filters)
    today = selection.today or timezone.localdate()
    previous = selection.period.previous()
    reason = ""
    if selection.force_live:
        reason = "asked"
    elif selection.filters:
        reason = "filtered"
    elif selection.period.last > today:
        reason = "future"
    info = {"computed_at": None, "waiting": 0}
    if not reason:
        cover = coverage(
            selection.organization_id, selection.clinics, previous.first, selection.period.last, today
        )
        info = {"computed_at": cover["today"], "waiting": cover["waiting"], "version": cover["version"]}
        if cover["covered"] < cover["expected"]:
            reason = "incomplete"
    if reason:
        return live, {"mode": "live", "reason": reason, "as_of": timezone.now(), **info}
    source = RollupSource(
        selection.organization_id, selection.clinics, selection.period, previous, slugs, info["version"]
    )
    return source, {"mode": "rollup", "reason": "", "as_of": info["computed_at"], **info}


def _sections_with_groups(selection: Selection, metrics) -> list[tuple[str, str, list, bool]]:
    """Each section once, or once per currency when a section with money figures spans several."""
    currencies = sorted({c.currency for c in selection.clinics})
    result = []
    for section in selection.sections:
        in_section = [m for m in metrics.values() if m.section == section]
        if not in_section:
            continue
        money = any(m.unit == "money" for m in in_section)
        if money and len(currencies) > 1:
            for currency in currencies:
                same = [c for c in selection.clinics if c.currency == currency]
                result.append((section, currency, same, True))
        else:
            result.append((section, currencies[0] if currencies else "", list(selection.clinics), False))
    return result


def build(selection: Selection) -> Report:
    metrics = catalog.all_metrics()
    sums = [m.slug for m in metrics.values() if m.kind == "sum" and m.section in selection.sections]
    source, freshness = choose_source(selection, sums)
    reader = _Reader(
        selection, source, LiveSource(selection.filters), visit_figures(selection, source, freshness)
    )
    report = Report(selection=selection, mode=freshness["mode"], freshness=freshness)
    period, previous = selection.period, selection.period.previous()
    for section, currency, clinics, split in _sections_with_groups(selection, metrics):
        figures = []
        for metric in metrics.values():
            if metric.section != section or metric.hidden:
                continue
            if not catalog.clinics_for(_base(metric, metrics), clinics):
                continue  # its module is off at every clinic asked for
            if not reader.filterable(metric):
                figures.append(_figure(metric, None, None, currency, unfiltered=True))
                continue
            value = reader.total(metric, clinics, period)
            before = None if metric.kind == "snapshot" else reader.total(metric, clinics, previous)
            figures.append(_figure(metric, value, before, currency))
        if not figures:
            continue
        suffix = f" · {currency}" if split else ""
        title = SECTION_TITLES[section]() + suffix
        tables = [
            table
            for spec in TABLES.get(section, [])
            if (table := _table(reader, section, currency, clinics, spec, title, split)) is not None
        ]
        report.sections.append(
            {"slug": section, "title": title, "currency": currency, "figures": figures, "tables": tables}
        )
    return report


def _base(metric, metrics):
    if metric.kind == "ratio":
        return metrics.get(metric.ratio_of[0], metric)
    return metric


def _figure(metric, value, before, currency, unfiltered=False) -> dict:
    return {
        "slug": metric.slug,
        "label": str(metric.label),
        "unit": metric.unit,
        "currency": currency if metric.unit == "money" else "",
        "value": value,
        "previous": before,
        "change": _change(value, before),
        "kind": metric.kind,
        "description": str(metric.description),
        "unfiltered": unfiltered,
    }


def _table(reader: _Reader, section, currency, clinics, spec, section_title, split=False) -> dict | None:
    breakdown, slugs, chart, limit = spec
    selection = reader.selection
    columns = [
        reader.metrics[s]
        for s in slugs
        if s in reader.metrics
        and reader.filterable(reader.metrics[s])
        and catalog.clinics_for(_base(reader.metrics[s], reader.metrics), clinics)
    ]
    if breakdown not in ("time", "clinic"):
        columns = [m for m in columns if breakdown in _breakdowns_of(m, reader.metrics)]
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
    if breakdown in ("time", "weekday_hour", "age_band", "cancelled_by", "channel"):
        ordered.sort(key=lambda r: r["key"])  # a natural order: time, age, or the choices' own
    elif breakdown != "clinic":
        ordered.sort(key=_leading_first)
    shown = ordered
    if limit and len(ordered) > limit:
        if breakdown == "clinic":  # in the clinics' own order while they all fit
            ordered = sorted(ordered, key=_leading_first)
        shown = ordered[:limit]
    for row in shown:
        row["cells"] = [{"value": v, "unit": c.unit} for v, c in zip(row["values"], columns, strict=True)]
    by = (
        "month" if breakdown == "time" and period.monthly() else ("day" if breakdown == "time" else breakdown)
    )
    by_label = BREAKDOWN_LABELS.get(by, lambda: by)()
    table = {
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
    table["chart_id"] = f"chart-{table['id']}"
    if chart == "heatmap":
        table["heatmap"] = _heatmap(ordered)
    else:
        table["chart_data"] = _chart_data(table, by_label)
    return table


def _leading_first(row) -> tuple:
    """Rows by their first column, largest first (no value counts as 0), then by label."""
    return (-(row["values"][0] or 0), row["label"], row["key"])


def _breakdowns_of(metric, metrics) -> tuple:
    if metric.kind == "ratio":
        parts = [metrics[s] for s in metric.ratio_of if s in metrics]
        return tuple(set.intersection(*(set(p.breakdowns) for p in parts))) if parts else ()
    return metric.breakdowns


def _unit_label(column) -> str:
    if column["unit"] == "money":
        return column["currency"] or _("Amount")
    return UNIT_LABELS.get(column["unit"], lambda: column["unit"])()


def _chart_data(table, x_label) -> dict:
    """What the chart script needs: labels, one dataset per column sharing the first column's unit."""
    first = table["columns"][0]
    used = [
        i
        for i, c in enumerate(table["columns"])
        if (c["unit"], c["currency"]) == (first["unit"], first["currency"])
    ]
    return {
        "type": table["chart"],
        "title": table["title"],
        "labels": [r["label"] for r in table["shown"]],
        "datasets": [
            {
                "label": table["columns"][i]["label"],
                "data": [
                    float(r["values"][i]) if r["values"][i] is not None else None for r in table["shown"]
                ],
            }
            for i in used
        ],
        "x": x_label,
        "y": _unit_label(first),
    }


WEEKDAYS = (
    lambda: _("Monday"),
    lambda: _("Tuesday"),
    lambda: _("Wednesday"),
    lambda: _("Thursday"),
    lambda: _("Friday"),
    lambda: _("Saturday"),
    lambda: _("Sunday"),
)


def _heatmap(rows) -> dict:
    """Weekday × hour utilization as a grid; each cell has a level 0-5 for its shade."""
    cells: dict[tuple[int, int], Decimal | None] = {}
    for row in rows:
        weekday, hour = (int(part) for part in row["key"].split("-"))
        cells[(weekday, hour)] = row["values"][0]
    hours = sorted({h for _w, h in cells}) or []
    grid = []
    for weekday in range(7):
        line = []
        for hour in hours:
            value = cells.get((weekday, hour))
            level = None if value is None else min(5, int(value // 20))
            line.append({"value": value, "level": level})
        grid.append({"label": WEEKDAYS[weekday](), "cells": line})
    return {"hours": [f"{h:02d}:00" for h in hours], "rows": grid}


def flat_rows(table) -> list[list]:
    """The table as CSV rows: a header, then one line per row (raw numbers, no formatting)."""
    header = [table["key_label"]] + [
        f"{c['label']} ({c['currency'] or c['unit']})" if c["unit"] != "count" else c["label"]
        for c in table["columns"]
    ]
    lines = [header]
    for row in table["rows"]:
        lines.append([row["label"]] + ["" if v is None else str(v) for v in row["values"]])
    return lines


def by_clinic_totals(report: Report) -> dict:
    """Figures keyed by slug for quick reading (tests, the API): ``{slug: (value, previous)}``."""
    result = defaultdict(dict)
    for section in report.sections:
        for figure in section["figures"]:
            result[section["currency"]][figure["slug"]] = (figure["value"], figure["previous"])
    return dict(result)
