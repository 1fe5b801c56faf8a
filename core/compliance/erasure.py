"""Erasure requests (GDPR Art. 17): recorded, then carried out in one transaction that erases what the
retention rules of the organization's country let go and keeps the rest with its legal ground
(Art. 17(3)(b) and (c): a legal obligation, and health care under professional secrecy).

Issued invoices keep their legal content: the buyer's details were copied onto each invoice when it
was issued, so anonymising the patient's record never rewrites one. The history tables (pghistory)
keep who recorded and who carried out each request.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.accounts.models import User
from core.patients.models import Patient
from core.plugins.manager import registry
from core.tenancy.clinic_time import organization_zone

from .models import ErasureRequest, ErasureStatus
from .packs import pack_for
from .retention import ERASE, KEEP, ClassDecision, decide, records_held

# Contact details go when the "contact" class may; the identity stays while any record is kept, so a
# record the law requires stays attributable to its patient.
CONTACT_FIELDS = {
    "email": "",
    "phone": "",
    "address_line1": "",
    "address_line2": "",
    "city": "",
    "postal_code": "",
    "emergency_contact_name": "",
    "emergency_contact_phone": "",
    "consent_email": False,
    "consent_sms": False,
}


def record_request(patient: Patient, *, by: User | None, channel: str, note: str = "") -> ErasureRequest:
    """Record that ``patient`` asked for erasure. Refused while an earlier request waits for a decision
    (the database's partial unique index decides between requests sent at the same moment)."""
    try:
        with transaction.atomic():
            return ErasureRequest.objects.create(
                organization_id=patient.organization_id,
                patient=patient,
                channel=channel,
                requested_by=by,
                note=note.strip(),
            )
    except IntegrityError:
        raise ValidationError(
            _("An erasure request for this patient is already waiting for a decision."), code="open_request"
        ) from None


def preview(request: ErasureRequest) -> list[ClassDecision]:
    """What carrying out ``request`` would do today, class by class, without changing anything."""
    organization = request.organization
    pack = _pack(organization)
    patient = request.patient
    return decide(pack, records_held(organization, patient), _today(organization))


def _today(organization):
    """Today where the organization works: a period ending tonight there has not ended yet."""
    return timezone.localdate(timezone.now(), organization_zone(organization.pk))


def _pack(organization):
    pack = pack_for(organization)
    if pack is None:
        raise ValidationError(
            _(
                "Choose the organization's country in its settings first: retention periods come from "
                "that country's rules."
            ),
            code="no_country",
        )
    return pack


@transaction.atomic
def carry_out(request: ErasureRequest, *, by: User) -> ErasureRequest:
    """Decide ``request`` and apply the decision: every module erases the classes it may, the patient's
    contact details go when they may, their identity when nothing is kept. One transaction: a module
    that fails undoes all of it. The request row is locked, so it is decided once."""
    locked = ErasureRequest.objects.select_for_update().get(
        pk=request.pk, organization_id=request.organization_id
    )
    if not locked.is_pending:
        raise ValidationError(_("This erasure request has already been decided."), code="decided")
    organization = locked.organization
    pack = _pack(organization)
    patient = Patient.objects.select_for_update().get(pk=locked.patient_id, organization_id=organization.pk)
    decisions = decide(pack, records_held(organization, patient), _today(organization))
    erasable = frozenset(d.record_class for d in decisions if d.action == ERASE)
    registry().hook.ehr_patient_erase(organization=organization, patient=patient, record_classes=erasable)
    kept = [d for d in decisions if d.action == KEEP]
    _erase_patient(patient, contact="contact" in erasable, identity=not kept)
    if not kept:
        locked.status = ErasureStatus.ERASED
    elif erasable:
        locked.status = ErasureStatus.PARTLY_ERASED
    else:
        locked.status = ErasureStatus.REFUSED
    locked.outcome = [d.as_json() for d in decisions]
    locked.pack = pack.reference
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save()
    return locked


def _erase_patient(patient: Patient, *, contact: bool, identity: bool) -> None:
    changes: dict = {}
    if contact:
        changes.update(CONTACT_FIELDS)
    if identity:
        changes.update(
            given_name=_("Erased"),
            family_name=_("patient %(number)s") % {"number": patient.display_record_number},
            preferred_name="",
            date_of_birth=None,
            sex="",
            gender_identity="",
            race=[],
            ethnicity="",
            birth_sex="",
            archived=True,
        )
    if not changes:
        return
    for name, value in changes.items():
        setattr(patient, name, value)
    patient.updated_at = timezone.now()
    # Bumping the version refuses a demographics form opened before the erasure (see update_patient).
    patient.version = F("version") + 1
    patient.save(update_fields=[*changes, "updated_at", "version"])
