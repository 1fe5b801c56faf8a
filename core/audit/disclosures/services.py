"""Recording a disclosure, and marking a mistaken one entered in error. Both change state inside one
transaction; the database keeps everything else about a disclosure as it was written (see the model)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.accounts.models import User
from core.patients.models import Patient
from core.tenancy.clinic_time import organization_zone, zone_of
from core.tenancy.models import Clinic

from ..models import NOT_ACCOUNTED, Disclosure, DisclosurePurpose


@dataclass(frozen=True)
class DisclosureDetails:
    """What a person records about one disclosure, in their words."""

    disclosed_on: date
    recipient_name: str
    description: str
    purpose: str
    recipient_address: str = ""
    legal_basis: str = ""


def today_at(clinic: Clinic | None, organization_id: int) -> date:
    """Today's date on the wall clock of ``clinic`` (the organization's when there is none)."""
    zone = zone_of(clinic) if clinic is not None else organization_zone(organization_id)
    return timezone.localdate(timezone=zone)


def check_details(details: DisclosureDetails, *, today: date) -> dict:
    """The cleaned fields, or a ``ValidationError`` naming each field that is wrong."""
    cleaned = {
        "disclosed_on": details.disclosed_on,
        "recipient_name": details.recipient_name.strip(),
        "recipient_address": details.recipient_address.strip(),
        "description": details.description.strip(),
        "purpose": details.purpose,
        "legal_basis": details.legal_basis.strip(),
    }
    errors = {}
    if cleaned["disclosed_on"] is None:
        errors["disclosed_on"] = _("Enter the date the information was disclosed.")
    elif cleaned["disclosed_on"] > today:
        errors["disclosed_on"] = _(
            "A disclosure is recorded once it has happened: the date cannot be later than today."
        )
    if not cleaned["recipient_name"]:
        errors["recipient_name"] = _("Name the person or organization who received the information.")
    if not cleaned["description"]:
        errors["description"] = _("Describe what was disclosed.")
    if cleaned["purpose"] not in DisclosurePurpose.values:
        errors["purpose"] = _("Choose the purpose of the disclosure.")
    elif cleaned["purpose"] not in NOT_ACCOUNTED and not cleaned["legal_basis"]:
        # The patient's accounting states why their information was given out (§164.528(b)(2)(iv)).
        errors["legal_basis"] = _(
            "Say on what basis the information was disclosed (a law, a court order, a request)."
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def record_disclosure(
    patient: Patient, details: DisclosureDetails, *, by: User, clinic: Clinic | None = None
) -> Disclosure:
    """Record that ``patient``'s information was disclosed. ``clinic`` is where it was recorded (whose
    calendar "today" is); it must be one of the patient's organization's clinics."""
    if clinic is not None and clinic.organization_id != patient.organization_id:
        raise ValidationError(_("Choose a clinic of this organization."))
    cleaned = check_details(details, today=today_at(clinic, patient.organization_id))
    return Disclosure.objects.create(
        organization_id=patient.organization_id,
        clinic=clinic,
        patient=patient,
        recorded_by=by,
        recorded_at=timezone.now(),
        **cleaned,
    )


@transaction.atomic
def mark_in_error(disclosure: Disclosure, *, by: User, reason: str) -> Disclosure:
    """Mark ``disclosure`` entered in error: it stays on record (struck through for staff) and leaves the
    patient's accounting. Done once; the row is locked so two people marking it at once cannot both."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this disclosure was entered in error.")})
    locked = Disclosure.objects.select_for_update().get(
        pk=disclosure.pk, organization_id=disclosure.organization_id
    )
    if locked.entered_in_error:
        raise ValidationError(_("This disclosure is already marked entered in error."))
    locked.entered_in_error_at = timezone.now()
    locked.entered_in_error_by = by
    locked.entered_in_error_reason = reason[:500]
    locked.save(update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"])
    return locked
