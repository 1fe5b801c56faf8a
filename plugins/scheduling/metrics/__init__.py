"""Scheduling's figures for analytics, one module per thing measured: appointments, practitioners'
utilization, and the patients seen. ``metrics`` lists them all for the ``ehr_metrics`` hook."""

from __future__ import annotations

from core.plugins.types import Metric

from .appointments import appointment_metrics
from .patients import patient_metrics
from .utilization import utilization_metrics


def metrics() -> list[Metric]:
    return [*appointment_metrics(), *utilization_metrics(), *patient_metrics()]
