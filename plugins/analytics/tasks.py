"""The periodic roll-up pass, run once per clinic where analytics is on (every ``INTERVAL_MINUTES``)."""

from __future__ import annotations

from core.tasks import clinic_task

from . import rollup


@clinic_task(module="analytics")
def refresh_rollups(clinic) -> dict:
    """Recompute today, recently changed days and missing recent days of ``clinic``'s roll-ups."""
    return rollup.refresh(clinic)
