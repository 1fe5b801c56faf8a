"""Periodic work of the records module, run once per clinic where it is on."""

from __future__ import annotations

from core.tasks import clinic_task

from .services.notes import lock_due_notes


@clinic_task(module="records")
def lock_signed_notes(clinic) -> dict:
    """Lock the clinic's signed notes whose open time (the clinic's setting) has passed."""
    return {"locked": lock_due_notes(clinic)}
