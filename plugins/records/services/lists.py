"""The patient's lists: recording vitals (checked against plausible ranges, stored in canonical units),
and adding or changing allergies, medications and problems. Every change is a new row version kept by
django-pghistory; an edit made from an outdated form is refused instead of overwriting the other one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from core.patients.models import Patient
from core.tenancy.models import Clinic

from .. import icd10
from ..models import Allergy, Encounter, Medication, Problem, Vital
from ..vitals_catalog import ENTERED, KINDS, UNIT_LABELS, bmi, entry_unit, to_canonical
from .notes import settings_for


def _number(raw: object) -> Decimal | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("Enter a number.")) from None
    if not value.is_finite():
        raise ValidationError(_("Enter a number."))
    return value


@transaction.atomic
def record_vitals(
    clinic: Clinic,
    patient: Patient,
    values: dict[str, object],
    *,
    by,
    encounter: Encounter | None = None,
    measured_at=None,
    units: str | None = None,
) -> list[Vital]:
    """Record one set of measurements. ``values`` maps vital keys (vitals_catalog.KINDS) to numbers in the
    clinic's units (or in ``units``: ``metric`` / ``us``). Nothing is written unless every value is
    plausible; BMI is added when height and weight are both given."""
    units = units or settings_for(clinic).units
    measured_at = measured_at or timezone.now()
    if measured_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"measured_at": _("A measurement cannot be in the future.")})
    unknown = set(values) - set(ENTERED)
    if unknown:
        raise ValidationError(_("Unknown vital sign “%(k)s”.") % {"k": sorted(unknown)[0]})
    canonical: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    for key in ENTERED:
        kind = KINDS[key]
        try:
            value = _number(values.get(key))
        except ValidationError as error:
            errors[key] = error.messages[0]
            continue
        if value is None:
            continue
        stored = to_canonical(kind, value, units)
        if not kind.low <= stored <= kind.high:
            errors[key] = _("%(label)s of %(value)s %(unit)s is not possible; check the value and unit.") % {
                "label": kind.label,
                "value": value,
                "unit": UNIT_LABELS[entry_unit(kind, units)],
            }
            continue
        canonical[key] = stored
    if ("systolic" in canonical) != ("diastolic" in canonical) and not errors:
        errors["systolic" if "systolic" not in canonical else "diastolic"] = _(
            "Blood pressure needs both the systolic and the diastolic value."
        )
    if (
        "systolic" in canonical
        and "diastolic" in canonical
        and canonical["systolic"] <= canonical["diastolic"]
    ):
        errors["systolic"] = _("The systolic pressure must be higher than the diastolic.")
    if errors:
        raise ValidationError(errors)
    if not canonical:
        raise ValidationError(_("Enter at least one measurement."))
    if "height" in canonical and "weight" in canonical:
        canonical["bmi"] = bmi(canonical["height"], canonical["weight"])
    rows = [
        Vital(
            organization_id=patient.organization_id,
            patient=patient,
            clinic=clinic,
            encounter=encounter,
            recorded_by=by,
            kind=key,
            loinc_code=KINDS[key].loinc,
            value=value,
            unit=KINDS[key].unit,
            measured_at=measured_at,
        )
        for key, value in canonical.items()
    ]
    # One row at a time, not bulk_create: the history triggers record each insert either way, and the
    # ids come back for the caller on every database.
    for row in rows:
        row.save()
    return rows


LIST_FIELDS = {
    Allergy: ("substance", "reaction", "severity", "is_intolerance", "status"),
    Medication: ("name", "dose", "route", "frequency", "start_date", "stop_date", "status"),
    Problem: ("description", "icd10_code", "onset_date", "resolved_date", "status"),
}


def _check(model: type[Model], data: dict) -> dict:
    data = {k: v for k, v in data.items() if k in LIST_FIELDS[model]}
    if model is Problem and data.get("icd10_code"):
        code = str(data["icd10_code"]).strip().upper()
        if icd10.title_of(code) is None:
            raise ValidationError({"icd10_code": _("Choose a code from the list.")})
        data["icd10_code"] = code
    start, stop = data.get("start_date"), data.get("stop_date")
    if model is Medication and start and stop and stop < start:
        raise ValidationError({"stop_date": _("A medication stops after it starts.")})
    if model is Problem and data.get("status") == "resolved" and not data.get("resolved_date"):
        data["resolved_date"] = timezone.localdate()
    return data


@transaction.atomic
def add_entry(model: type[Model], clinic: Clinic, patient: Patient, data: dict, *, by) -> Model:
    """Add an allergy, medication or problem to the patient's list."""
    entry = model(organization_id=patient.organization_id, patient=patient, clinic=clinic, recorded_by=by)
    for field, value in _check(model, data).items():
        setattr(entry, field, value)
    entry.full_clean(exclude=["organization", "patient", "clinic", "recorded_by"])
    entry.save()
    return entry


@transaction.atomic
def change_entry(entry: Model, data: dict, *, by, version: int | None) -> Model:
    """Change a list entry; the version before stays in its history. ``version`` is the one the form was
    loaded with: a change made meanwhile by someone else is not overwritten."""
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    if version is not None and version != entry.version:
        raise ValidationError(_("Someone changed this entry since you opened it. Reload and try again."))
    for field, value in _check(type(entry), data).items():
        setattr(entry, field, value)
    entry.full_clean(exclude=["organization", "patient", "clinic", "recorded_by"])
    entry.recorded_by = by
    entry.version += 1
    entry.updated_at = timezone.now()
    entry.save()
    return entry


@transaction.atomic
def mark_entry_in_error(entry: Model, *, by) -> Model:
    """Strike a vital or list entry through as entered in error; it stays in the history."""
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    entry.entered_in_error = True
    entry.recorded_by = by
    if hasattr(entry, "version"):
        entry.version += 1
    entry.updated_at = timezone.now()
    entry.save()
    return entry
