"""Where a report's figures come from: the daily roll-ups when they cover it, live queries otherwise, and
the distinct-patient figures from the visit roll-up when every clinic's visits were filled."""

from __future__ import annotations

from django.utils import timezone

from .. import catalog
from ..sources import LiveSource, RollupSource, coverage
from ..visits import VisitFigures, filled
from .selection import Selection


def visit_figures(selection: Selection, source: object, freshness: dict | None = None) -> VisitFigures | None:
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


def choose_source(selection: Selection, slugs: list[str]) -> tuple[object, dict]:
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
