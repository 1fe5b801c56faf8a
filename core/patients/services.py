"""State changes for patient records. Views parse and authorize; these validate and write atomically."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic
from core.tenancy.services import next_record_number

from .models import Patient, PatientAccount, PatientClinic
from .selectors import possible_duplicates

EDITABLE_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "gender_identity",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "country",
    "emergency_contact_name",
    "emergency_contact_phone",
    "preferred_language",
    "consent_email",
    "consent_sms",
    # US Core demographics: the form offers them only in the US (us_demographics.asked_in).
    "race",
    "ethnicity",
    "birth_sex",
)


class StaleEdit(ValidationError):
    """Someone else saved the record after this edit was loaded."""


@transaction.atomic
def create_patient(clinic: Clinic, **fields) -> Patient:
    """Register a patient at ``clinic`` with the organization's next medical record number."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    patient = Patient(organization_id=clinic.organization_id, **fields)
    patient.record_number = 0
    patient.full_clean(exclude=["record_number", "search_name"])
    patient.record_number = next_record_number(clinic.organization_id)
    patient.save()
    PatientClinic.objects.create(organization_id=clinic.organization_id, patient=patient, clinic=clinic)
    return patient


class PossibleDuplicates(ValidationError):
    """Patients that look like the one being registered exist; nothing was registered."""

    def __init__(self, duplicates: list[Patient]):
        super().__init__(_("This patient may already be registered. Check the list below."))
        self.duplicates = duplicates


def _lock_key(*parts) -> int:
    """A signed 64-bit advisory-lock key for ``parts`` (PostgreSQL's bigint)."""
    digest = hashlib.sha256(repr(("patients.register",) + parts).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _serialise_lookalike_registrations(organization_id: int, fields: dict) -> None:
    """Hold, until this transaction ends, a lock on each thing a duplicate is recognised by: the normalised
    name with the birth date, the email, the phone. Two registrations that could be duplicates of each
    other then run one after the other, and the second one's duplicate check sees the first one's patient.
    Keys are taken in ascending order, so two registrations sharing several never wait on each other."""
    keys = []
    given, family = (fields.get("given_name") or "").strip(), (fields.get("family_name") or "").strip()
    if fields.get("date_of_birth"):
        keys.append(_lock_key(organization_id, given.lower(), family.lower(), str(fields["date_of_birth"])))
    if fields.get("email"):
        keys.append(_lock_key(organization_id, "email", fields["email"].strip().lower()))
    if fields.get("phone"):
        keys.append(_lock_key(organization_id, "phone", fields["phone"].strip()))
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


@transaction.atomic
def register_patient(
    clinic: Clinic, *, confirm_duplicate: bool = False, duplicates_shown: int = 5, **fields
) -> tuple[Patient, list[Patient]]:
    """Register a patient unless patients that look the same exist (``PossibleDuplicates``, nothing
    written), or the person confirmed this is someone else. The check and the insert are one transaction,
    serialised with every other registration of a lookalike, so parallel requests cannot all pass the check
    before any of them has written. Returns the patient and the lookalikes that were confirmed past."""
    _serialise_lookalike_registrations(clinic.organization_id, fields)
    duplicates = list(
        possible_duplicates(
            clinic.organization_id,
            given_name=fields.get("given_name") or "",
            family_name=fields.get("family_name") or "",
            date_of_birth=fields.get("date_of_birth"),
            email=fields.get("email") or "",
            phone=fields.get("phone") or "",
        ).order_by("record_number")[:duplicates_shown]
    )
    if duplicates and not confirm_duplicate:
        raise PossibleDuplicates(duplicates)
    return create_patient(clinic, **fields), duplicates


@transaction.atomic
def update_patient(patient: Patient, expected_version: int | None, **fields) -> Patient:
    """Save demographic changes. ``expected_version`` is the version the editor loaded: if someone saved
    in between, the change is refused (nothing is lost silently) and the editor reloads."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    locked = Patient.objects.select_for_update().get(pk=patient.pk, organization_id=patient.organization_id)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit(
            _(
                "Someone else changed this patient's record while you were editing. "
                "Reload to see their change, then apply yours again."
            )
        )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["record_number", "search_name"])
    locked.version = F("version") + 1
    locked.updated_at = timezone.now()
    locked.save()
    locked.refresh_from_db()
    return locked


@transaction.atomic
def set_archived(patient: Patient, archived: bool) -> None:
    Patient.objects.filter(pk=patient.pk, organization_id=patient.organization_id).update(
        archived=archived, version=F("version") + 1, updated_at=timezone.now()
    )


@transaction.atomic
def link_to_clinic(patient: Patient, clinic: Clinic) -> None:
    if clinic.organization_id != patient.organization_id:
        raise ValidationError(_("Choose a clinic of this organization."))
    PatientClinic.objects.get_or_create(
        organization_id=patient.organization_id, patient=patient, clinic=clinic
    )


@transaction.atomic
def merge_patients(keep: Patient, duplicate: Patient) -> Patient:
    """Fold ``duplicate`` into ``keep``: clinic links and portal logins move, blanks in ``keep`` are filled
    from the duplicate, and the duplicate is archived pointing at ``keep`` (never deleted), so every record
    that referred to it can still be found. Modules move their own data through their model relations
    (they refer to ``Patient`` rows, which stay)."""
    if keep.pk == duplicate.pk:
        raise ValidationError(_("Choose two different patients to merge."))
    if keep.organization_id != duplicate.organization_id:
        raise ValidationError(_("Choose patients of the same organization."))
    first, second = sorted([keep.pk, duplicate.pk])
    locked = {p.pk: p for p in Patient.objects.select_for_update().filter(pk__in=[first, second])}
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    if duplicate.merged_into_id or keep.merged_into_id:
        raise ValidationError(_("One of these records was already merged."))
    for link in PatientClinic.objects.filter(patient=duplicate):
        PatientClinic.objects.get_or_create(
            organization_id=keep.organization_id, patient=keep, clinic_id=link.clinic_id
        )
    for account in PatientAccount.objects.filter(patient=duplicate):
        if not PatientAccount.objects.filter(patient=keep).exists():
            PatientAccount.objects.filter(pk=account.pk).update(patient=keep)
    for name in EDITABLE_FIELDS:
        if getattr(keep, name) in ("", None, []) and getattr(duplicate, name) not in ("", None, []):
            setattr(keep, name, getattr(duplicate, name))
    keep.version = F("version") + 1
    keep.updated_at = timezone.now()
    keep.save()
    Patient.objects.filter(pk=duplicate.pk).update(
        merged_into=keep, archived=True, version=F("version") + 1, updated_at=timezone.now()
    )
    keep.refresh_from_db()
    return keep
