"""Daily roll-ups: each ``sum`` metric's figure per clinic and local day, in total and by each breakdown.

Derived data only (recomputed from the modules' own tables by the metric's own function), so neither table
is audited. ``RolledDay`` says which days are rolled up and whether a change since asks for a recompute.
"""

from __future__ import annotations

from django.db import models

from core.tenancy.models import Clinic, TenantModel


class Figure(TenantModel):
    """One clinic's figure of a ``sum`` metric over a day or a month: in total or one breakdown row."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=64)
    # "" for the total; otherwise the breakdown's name and the key of one of its rows.
    breakdown = models.CharField(max_length=32, blank=True, default="")
    key = models.CharField(max_length=100, blank=True, default="")
    label = models.CharField(max_length=200, blank=True, default="")
    value = models.DecimalField(max_digits=20, decimal_places=4)

    class Meta:
        abstract = True


class DailyFigure(Figure):
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "clinic", "day", "metric", "breakdown", "key"],
                name="analytics_figure_unique",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "breakdown", "clinic", "day"], name="analytics_figure_read"),
        ]


class RolledDay(TenantModel):
    """One clinic's day: when its figures were computed (from data as of that moment), and when a change
    last touched it. ``marked_at`` later than ``computed_at`` means the day waits for a recompute."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    computed_at = models.DateTimeField(null=True, blank=True)
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "clinic", "day"], name="analytics_rolled_day_unique"
            )
        ]


class MonthlyFigure(Figure):
    """The ``DailyFigure`` rows of one clinic's calendar month added up, kept with the days: a long period
    reads its whole months here and only its partial edge months by day."""

    month = models.DateField()  # the month's first day

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "clinic", "month", "metric", "breakdown", "key"],
                name="analytics_month_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "breakdown", "clinic", "month"], name="analytics_month_read"
            ),
        ]


class VisitStarts(models.Field):
    """A PostgreSQL ``tstzmultirange`` of points in time; written and read in SQL only (rollup.py,
    visits.py), never loaded into Python."""

    def db_type(self, connection):
        return "tstzmultirange"


class PatientVisits(TenantModel):
    """One patient's completed visits at one clinic, as the set of their start times: the roll-up that
    answers distinct-patient figures (seen, returning, active, retention) for any period exactly, with one
    row per clinic and patient whatever the number of visits or the length of the period."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    starts = VisitStarts()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "clinic", "patient"], name="analytics_patient_visits_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "patient"], name="analytics_visits_patient")]


class PatientAllVisits(TenantModel):
    """The union of one patient's ``PatientVisits`` at every clinic: when a report covers all the clinics,
    its distinct-patient totals are one row per patient, with nothing to group."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    starts = VisitStarts()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "patient"], name="analytics_all_visits_unique")
        ]


class VisitHistory(TenantModel):
    """When a clinic's ``PatientVisits`` were filled from its whole history; from then on the day
    recomputes keep them current. Without it, the distinct-patient figures are asked live."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    filled_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "clinic"], name="analytics_visit_history_unique")
        ]
