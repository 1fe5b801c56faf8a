"""Starting encounters: from an appointment ("Start visit") or standalone (a phone call, a walk-in)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.patients.models import Patient
from core.plugins.types import AppointmentFacts
from core.tenancy.models import Clinic, Membership
from core.tenancy.modules import clinic_hook

from ..models import Encounter, EncounterKind


def appointment_facts(clinic: Clinic, appointment_id: int) -> AppointmentFacts | None:
    """What the scheduling module says about an appointment at ``clinic`` (None if nobody knows it)."""
    return clinic_hook(clinic, "clinic_appointment_facts")(clinic=clinic, appointment_id=appointment_id)


def start_visit(clinic: Clinic, appointment_id: int, *, by) -> tuple[Encounter, bool]:
    """The encounter of appointment ``appointment_id``, created on the first "Start visit". Returns
    (encounter, created). Two clicks at once land on the same encounter: a unique constraint decides."""
    existing = Encounter.objects.filter(organization_id=clinic.organization_id, appointment_id=appointment_id)
    found = existing.first()
    if found is not None:
        return found, False
    facts = appointment_facts(clinic, appointment_id)
    if facts is None or facts.status in ("cancelled_clinic", "cancelled_patient"):
        raise ValidationError(_("This appointment cannot be started: it does not exist or was cancelled."))
    practitioner = Membership.objects.get(organization_id=clinic.organization_id, pk=facts.practitioner_id)
    patient = Patient.objects.get(organization_id=clinic.organization_id, pk=facts.patient_id)
    try:
        with transaction.atomic():
            encounter = Encounter.objects.create(
                organization_id=clinic.organization_id,
                clinic=clinic,
                patient=patient,
                practitioner=practitioner,
                kind=EncounterKind.APPOINTMENT,
                appointment_id=appointment_id,
                reason=facts.service_name,
                started_at=timezone.now(),
                created_by=by,
            )
    except IntegrityError:
        return existing.get(), False
    return encounter, True


def start_encounter(
    clinic: Clinic, patient: Patient, practitioner: Membership, *, kind: str, reason: str, by, started_at=None
) -> Encounter:
    """A standalone encounter (no appointment): a phone call, a walk-in, a video call."""
    if kind == EncounterKind.APPOINTMENT or kind not in EncounterKind.values:
        raise ValidationError({"kind": _("Choose how the patient was seen.")})
    if started_at and started_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"started_at": _("An encounter cannot start in the future.")})
    return Encounter.objects.create(
        organization_id=clinic.organization_id,
        clinic=clinic,
        patient=patient,
        practitioner=practitioner,
        kind=kind,
        reason=reason.strip()[:300],
        started_at=started_at or timezone.now(),
        created_by=by,
    )
