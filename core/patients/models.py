"""Patients belong to an organization and may be seen at several of its clinics.

A PatientAccount links a portal login (a User) to patient records, possibly in several organizations:
one login, records kept apart per owner.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Concat, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy.models import Clinic, TenantModel

from .us_demographics import DECLINED, BirthSex, Ethnicity, Race


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    INTERSEX = "intersex", _("Intersex")
    UNKNOWN = "unknown", _("Unknown")


@pghistory.track(exclude=["search_name"])
class Patient(TenantModel):
    record_number = models.PositiveBigIntegerField(_("medical record number"), editable=False)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    gender_identity = models.CharField(_("gender identity"), max_length=100, blank=True)
    # US Core demographics, asked only where the organization's country pack lists them (us_demographics).
    # Their database defaults let bulk loads and raw inserts that predate them leave them out.
    race = ArrayField(
        models.CharField(max_length=10, choices=Race.choices),
        verbose_name=_("race"),
        default=list,
        db_default=[],
        blank=True,
    )
    ethnicity = models.CharField(
        _("ethnicity"), max_length=10, choices=Ethnicity.choices, blank=True, db_default=""
    )
    birth_sex = models.CharField(
        _("sex assigned at birth"), max_length=3, choices=BirthSex.choices, blank=True, db_default=""
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (line 2)"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=200, blank=True)
    emergency_contact_phone = models.CharField(_("emergency contact phone"), max_length=40, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)
    consent_email = models.BooleanField(_("agrees to email messages"), default=True)
    consent_sms = models.BooleanField(_("agrees to text messages"), default=False)
    clinics = models.ManyToManyField(Clinic, through="PatientClinic", related_name="patients", blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    # Bumped on every edit; a form carries the version it was loaded with, so a concurrent edit is refused
    # instead of silently overwriting the other person's change.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # Lower-cased names in one column, for the trigram index that keeps name-fragment search fast.
    search_name = models.GeneratedField(
        expression=Lower(
            Concat(
                "given_name",
                Value(" "),
                "family_name",
                Value(" "),
                Coalesce("preferred_name", Value("")),
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "record_number"], name="patient_record_number_unique"
            ),
            # OMB categories only, and "declined" alone: a declined answer is not also a race.
            models.CheckConstraint(
                condition=Q(race__contained_by=list(Race.values))
                & (~Q(race__contains=[DECLINED]) | Q(race=[DECLINED])),
                name="patient_race_omb",
            ),
            models.CheckConstraint(
                condition=Q(ethnicity__in=["", *Ethnicity.values]), name="patient_ethnicity_omb"
            ),
            models.CheckConstraint(
                condition=Q(birth_sex__in=["", *BirthSex.values]), name="patient_birth_sex"
            ),
        ]
        indexes = [
            # Led by the organization so a fragment search reads only that tenant's part of the index.
            GinIndex(
                fields=["organization", "search_name"],
                name="patient_name_trgm",
                opclasses=["int8_ops", "gin_trgm_ops"],
            ),
            models.Index(fields=["organization", "family_name", "given_name"], name="patient_org_name"),
            models.Index(fields=["organization", "date_of_birth"], name="patient_org_dob"),
            models.Index(fields=["organization", "email"], name="patient_org_email"),
            models.Index(fields=["organization", "phone"], name="patient_org_phone"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def race_display(self) -> list[str]:
        labels = dict(Race.choices)
        return [str(labels.get(code, code)) for code in self.race]

    @property
    def display_record_number(self) -> str:
        return f"{self.record_number:06d}"

    def ehr_clinic_ids(self) -> list[int]:
        """Clinics this patient is seen at (permission predicates use it; prefetch ``patientclinic_set``)."""
        return [link.clinic_id for link in self.patientclinic_set.all()]


@pghistory.track()
class PatientClinic(TenantModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "patient", "clinic"], name="patient_clinic_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "clinic", "patient"], name="patient_clinic_by_clinic")
        ]


@pghistory.track()
class PatientAccount(TenantModel):
    """Links a portal login to one patient record of one organization."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_links")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="accounts")
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "patient"], name="patient_account_unique"
            ),
            # A record is reachable from one login only.
            models.UniqueConstraint(fields=["organization", "patient"], name="patient_account_one_login"),
        ]
