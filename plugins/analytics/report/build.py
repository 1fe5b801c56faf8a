"""Assembling a report: each section the member may see (once per currency when its money figures span
several), its figures against the previous period, and its tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.plugins.types import Metric

from .. import catalog
from ..sources import LiveSource
from . import tables
from .reader import FigureReader, base_metric
from .selection import Selection
from .sources import choose_source, visit_figures

SECTION_TITLES = {
    "revenue": lambda: _("Revenue"),
    "appointments": lambda: _("Appointments"),
    "patients": lambda: _("Patients"),
    "utilization": lambda: _("Practitioner utilization"),
    "inventory": lambda: _("Inventory"),
    "other": lambda: _("More figures"),
}


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


def _change(value: Decimal | None, previous: Decimal | None) -> Decimal | None:
    if value is None or previous is None or not previous:
        return None
    return ((value - previous) * 100 / abs(previous)).quantize(Decimal("0.1"))


def _sections_with_groups(
    selection: Selection, metrics: dict[str, Metric]
) -> list[tuple[str, str, list, bool]]:
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


def _figure(
    metric: Metric, value: Decimal | None, before: Decimal | None, currency: str, unfiltered: bool = False
) -> dict:
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


def build(selection: Selection) -> Report:
    metrics = catalog.all_metrics()
    sums = [m.slug for m in metrics.values() if m.kind == "sum" and m.section in selection.sections]
    source, freshness = choose_source(selection, sums)
    reader = FigureReader(
        selection, source, LiveSource(selection.filters), visit_figures(selection, source, freshness)
    )
    report = Report(selection=selection, mode=freshness["mode"], freshness=freshness)
    period, previous = selection.period, selection.period.previous()
    for section, currency, clinics, split in _sections_with_groups(selection, metrics):
        figures = []
        for metric in metrics.values():
            if metric.section != section or metric.hidden:
                continue
            if not catalog.clinics_for(base_metric(metric, metrics), clinics):
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
        section_tables = [
            table
            for breakdown, candidates in tables.section_tables(section, metrics)
            if (
                table := tables.table(reader, section, currency, clinics, breakdown, candidates, title, split)
            )
            is not None
        ]
        report.sections.append(
            {
                "slug": section,
                "title": title,
                "currency": currency,
                "figures": figures,
                "tables": section_tables,
            }
        )
    return report
