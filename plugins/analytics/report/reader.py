"""Reading one report's figures: from a roll-up source for ``sum`` metrics when it may, live for the rest,
from the visit roll-up for distinct patients; ratios are computed from their two sums."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.plugins.types import Metric

from .. import catalog
from ..periods import Period
from ..sources import LiveSource
from ..visits import VisitFigures
from .selection import Selection


def ratio(numerator: Decimal, denominator: Decimal, scale: int) -> Decimal | None:
    if not denominator:
        return None
    return (numerator * scale / denominator).quantize(Decimal("0.01"))


def base_metric(metric: Metric, metrics: dict[str, Metric]) -> Metric:
    """The metric whose module decides where ``metric`` counts: a ratio's numerator, else itself."""
    if metric.kind == "ratio":
        return metrics.get(metric.ratio_of[0], metric)
    return metric


def breakdowns_of(metric: Metric, metrics: dict[str, Metric]) -> tuple:
    """A metric's breakdowns; a ratio's are those both its parts have."""
    if metric.kind == "ratio":
        parts = [metrics[s] for s in metric.ratio_of if s in metrics]
        return tuple(set.intersection(*(set(p.breakdowns) for p in parts))) if parts else ()
    return metric.breakdowns


def bucket(day: date, monthly: bool) -> str:
    return day.strftime("%Y-%m") if monthly else day.isoformat()


class FigureReader:
    """Answers figures for one report, from a roll-up source for ``sum`` metrics when it may, and live
    for the rest; ratios are computed from their two sums."""

    def __init__(
        self, selection: Selection, source: object, live: LiveSource, visits: VisitFigures | None = None
    ):
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

    def clinic_total(self, metric: Metric, clinic, clinics: list, period: Period) -> Decimal | None:
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

    def filterable(self, metric: Metric) -> bool:
        parts = [metric]
        if metric.kind == "ratio":
            parts = [self.metrics[s] for s in metric.ratio_of if s in self.metrics]
        return all(set(self.selection.filters) <= set(p.filters) for p in parts)

    def total(self, metric: Metric, clinics: list, period: Period) -> Decimal | None:
        if metric.kind == "ratio":
            num, den = (self.metrics.get(s) for s in metric.ratio_of)
            if num is None or den is None:
                return None
            return ratio(self.total(num, clinics, period), self.total(den, clinics, period), metric.scale)
        clinics = catalog.clinics_for(metric, clinics)
        if not clinics:
            return None
        if metric.kind == "snapshot":
            return self.live.total(metric, clinics, None) if period == self.selection.period else None
        return self._src(metric).total(metric, clinics, period)

    def breakdown(
        self, metric: Metric, name: str, clinics: list, period: Period
    ) -> dict[str, tuple[str, Decimal | None]]:
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
                    ratio(top.get(key, ("", Decimal(0)))[1] or Decimal(0), value or Decimal(0), metric.scale),
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

    def series(self, metric: Metric, clinics: list, period: Period) -> dict[str, Decimal | None]:
        """Day (or month) -> value over the period."""
        monthly = period.monthly()
        if metric.kind == "ratio":
            num, den = (self.metrics.get(s) for s in metric.ratio_of)
            top, bottom = self.series(num, clinics, period), self.series(den, clinics, period)
            return {
                k: ratio(top.get(k) or Decimal(0), v or Decimal(0), metric.scale) for k, v in bottom.items()
            }
        clinics = catalog.clinics_for(metric, clinics)
        buckets = {bucket(day, monthly): Decimal(0) for day in period.each_day()}
        if not clinics or metric.kind != "sum":
            return buckets
        for day, value in self._src(metric).series(metric, clinics, period).items():
            key = bucket(date.fromisoformat(day), monthly)
            if key in buckets:
                buckets[key] += value
        return buckets
