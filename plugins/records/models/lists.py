"""The patient's structured lists. Each is tracked by django-pghistory, so every change is a kept version."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.patients.models import Patient
from core.tenancy.models import Clinic, TenantModel

from .encounters import Encounter


class ListEntry(TenantModel):
    """What every list entry carries: whose it is, who last changed it and when, a version for edits."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # Bumped on each edit; a form carries the version it was loaded with, so a concurrent edit is refused.
    version = models.PositiveIntegerField(default=1)
    entered_in_error = models.BooleanField(_("entered in error"), default=False)

    class Meta:
        abstract = True


@pghistory.track()
class Vital(ListEntry):
    """One measurement, stored in its canonical UCUM unit with its LOINC code (vitals_catalog.py)."""

    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=30)
    loinc_code = models.CharField(max_length=20)
    value = models.DecimalField(max_digits=8, decimal_places=2)
    unit = models.CharField(max_length=20)
    measured_at = models.DateTimeField(_("measured"), default=timezone.now)

    class Meta:
        verbose_name = _("vital sign")
        ordering = ["-measured_at", "kind"]
        indexes = [
            models.Index(
                fields=["organization", "patient", "kind", "-measured_at"], name="rec_vital_patient"
            ),
        ]


class AllergySeverity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class AllergyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    RESOLVED = "resolved", _("Resolved")


@pghistory.track()
class Allergy(ListEntry):
    substance = models.CharField(_("substance"), max_length=200)
    reaction = models.CharField(_("reaction"), max_length=300, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=AllergySeverity.choices)
    is_intolerance = models.BooleanField(_("intolerance rather than allergy"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=AllergyStatus.choices, default=AllergyStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("allergy")
        verbose_name_plural = _("allergies")
        ordering = ["substance", "id"]
        indexes = [models.Index(fields=["organization", "patient", "status"], name="rec_allergy_patient")]


class MedicationStatus(models.TextChoices):
    ACTIVE = "active", _("Taking")
    STOPPED = "stopped", _("Stopped")
    COMPLETED = "completed", _("Completed")


@pghistory.track()
class Medication(ListEntry):
    name = models.CharField(_("medication"), max_length=200)
    dose = models.CharField(_("dose"), max_length=100, blank=True)
    route = models.CharField(_("route"), max_length=60, blank=True)
    frequency = models.CharField(_("frequency"), max_length=100, blank=True)
    start_date = models.DateField(_("started"), null=True, blank=True)
    stop_date = models.DateField(_("stopped"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MedicationStatus.choices, default=MedicationStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("medication")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stop_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(stop_date__gte=models.F("start_date")),
                name="rec_medication_stops_after_start",
            ),
        ]
        indexes = [models.Index(fields=["organization", "patient", "status"], name="rec_med_patient")]


class ProblemStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESOLVED = "resolved", _("Resolved")


@pghistory.track()
class Problem(ListEntry):
    description = models.CharField(_("problem"), max_length=300)
    icd10_code = models.CharField(_("ICD-10 code"), max_length=10, blank=True)
    onset_date = models.DateField(_("onset"), null=True, blank=True)
    resolved_date = models.DateField(_("resolved"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("problem")
        ordering = ["status", "description", "id"]
        indexes = [models.Index(fields=["organization", "patient", "status"], name="rec_problem_patient")]
