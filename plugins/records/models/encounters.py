"""Encounters (a visit, a phone call, a walk-in) and each clinic's charting settings."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.patients.models import Patient
from core.tenancy.models import Clinic, Membership, TenantModel


class EncounterKind(models.TextChoices):
    APPOINTMENT = "appointment", _("Appointment")
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone call")
    VIDEO = "video", _("Video call")
    OTHER = "other", _("Other")


@pghistory.track()
class Encounter(TenantModel):
    """One contact between a practitioner and a patient; notes and vitals hang off it.

    ``appointment_id`` names the scheduling module's appointment by id only: records never imports
    scheduling, and learns the appointment's facts through the ``clinic_appointment_facts`` hook.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=EncounterKind.choices)
    appointment_id = models.BigIntegerField(null=True, blank=True, editable=False)
    reason = models.CharField(_("reason for the visit"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("encounter")
        verbose_name_plural = _("encounters")
        ordering = ["-started_at", "-id"]
        constraints = [
            # One encounter per appointment: two clicks on "Start visit" open the same one.
            models.UniqueConstraint(
                fields=["organization", "appointment_id"],
                condition=Q(appointment_id__isnull=False),
                name="rec_encounter_one_per_appointment",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="rec_encounter_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["organization", "patient", "-started_at"], name="rec_enc_patient")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d}"


class UnitSystem(models.TextChoices):
    METRIC = "metric", _("Metric (kg, cm, °C)")
    US = "us", _("US customary (lb, in, °F)")


class RecordsSettings(TenantModel):
    """How one clinic charts: co-signature, automatic locking, units, and the billing veto."""

    # One row per clinic, keyed with the organization as every tenant's unique index is (tenant shards).
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    require_cosign = models.BooleanField(_("notes need a supervisor's co-signature"), default=False)
    lock_on_sign = models.BooleanField(_("lock notes as soon as they are signed"), default=True)
    auto_lock_hours = models.PositiveSmallIntegerField(
        _("lock signed notes after (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
    )
    units = models.CharField(_("units"), max_length=10, choices=UnitSystem.choices, default=UnitSystem.METRIC)
    require_signed_note_for_invoice = models.BooleanField(
        _("require a signed note before invoicing a visit"), default=False
    )

    class Meta:
        verbose_name = _("charting settings")
        constraints = [models.UniqueConstraint(fields=["organization", "clinic"], name="rec_settings_unique")]
