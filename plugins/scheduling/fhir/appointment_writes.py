"""Booking and cancelling over FHIR, through the services the office and the portal use.

A patient app books as its patient does on the portal (online services, the online mode and window);
members book as on the API (``scheduling.book_appointment``); a backend service books for the
organization. The database's no-double-booking constraint decides every race: the loser gets a 409
OperationOutcome naming the next free times.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.fhir.outcome import Conflict, FhirError, Forbidden, NotFound, Unprocessable
from core.fhir.search import reference_id
from core.patients.models import Patient
from core.patients.selectors import visible_patients
from core.tenancy.models import Membership

from ..models import Appointment, Channel, Service
from ..portal.selectors import patient_may_cancel
from ..selectors import booking_policy, offering_practitioner_ids
from ..services.booking import book_appointment
from ..services.conflicts import SlotTaken, StaleAppointment
from ..services.status import cancel
from .coding import APPOINTMENT_STATUS


def _from_slot(body: dict) -> dict | None:
    """The service, practitioner and start a ``slot`` reference names (``Slot/<service>-<member>-<time>``,
    as Slot searches return them), or None when the body names no slot."""
    slots = body.get("slot") or []
    if not slots:
        return None
    ref = str(slots[0].get("reference") or "") if isinstance(slots[0], dict) else ""
    kind, _sep, slot_id = ref.partition("/")
    parts = slot_id.split("-")
    if kind != "Slot" or len(parts) != 3 or not all(p.isdigit() and len(p) < 12 for p in parts):
        raise Unprocessable(_("The slot reference cannot be read: %(ref)s") % {"ref": ref[:80]})
    return {
        "HealthcareService": int(parts[0]),
        "Practitioner": int(parts[1]),
        "start": datetime.fromtimestamp(int(parts[2]), tz=UTC),
    }


def _actors(body: dict, slot: dict | None = None) -> dict[str, int]:
    """``{resource type: id}`` of the participants' actors (one of each type is read), completed from
    the slot booked, which must agree with them."""
    found: dict[str, int] = {}
    for participant in body.get("participant") or []:
        ref = (
            str(((participant or {}).get("actor") or {}).get("reference") or "")
            if isinstance(participant, dict)
            else ""
        )
        kind, _sep, _rest = ref.partition("/")
        if kind in ("Patient", "Practitioner", "HealthcareService") and kind not in found:
            try:
                found[kind] = reference_id("participant", ref, kind)
            except FhirError:
                raise Unprocessable(
                    _("A participant's reference cannot be read: %(ref)s") % {"ref": ref[:80]}
                )
    for kind in ("Practitioner", "HealthcareService"):
        if slot is not None and found.setdefault(kind, slot[kind]) != slot[kind]:
            raise Unprocessable(_("The participants do not match the slot."))
    missing = [kind for kind in ("Patient", "Practitioner", "HealthcareService") if kind not in found]
    if missing:
        raise Unprocessable(
            _(
                "An appointment needs a Patient, a Practitioner and a HealthcareService participant; "
                "missing: %(m)s"
            )
            % {"m": ", ".join(missing)}
        )
    return found


def _start(body: dict) -> datetime:
    try:
        start = datetime.fromisoformat(str(body.get("start") or "").replace("Z", "+00:00"))
    except ValueError:
        raise Unprocessable(_("start must be a date and time with its offset.")) from None
    if start.tzinfo is None:
        raise Unprocessable(_("start must be a date and time with its offset."))
    return start


def book(provider, ctx, body: dict) -> Appointment:
    if body.get("status", "booked") not in ("booked", "pending", "proposed"):
        raise Unprocessable(_("A new appointment's status is booked, pending or proposed."))
    slot = _from_slot(body)
    actors = _actors(body, slot)
    start = slot["start"] if slot and not body.get("start") else _start(body)
    if slot and start != slot["start"]:
        raise Unprocessable(_("The start does not match the slot."))
    service = (
        Service.objects.filter(
            organization_id=ctx.organization.pk,
            clinic_id__in=ctx.clinic_ids_with(provider.module),
            active=True,
            pk=actors["HealthcareService"],
        )
        .select_related("clinic")
        .first()
    )
    if service is None:
        raise NotFound(_("No such HealthcareService."))
    clinic = service.clinic
    if ctx.is_patient:
        if actors["Patient"] != ctx.patient.pk:
            raise NotFound(_("No such Patient."))
        patient = ctx.patient
    else:
        patients = (
            visible_patients(ctx.member)
            if ctx.member
            else Patient.objects.filter(organization_id=ctx.organization.pk, merged_into__isnull=True)
        )
        patient = patients.filter(pk=actors["Patient"], archived=False).first()
        if patient is None:
            raise NotFound(_("No such Patient."))
    if actors["Practitioner"] not in offering_practitioner_ids(clinic, service):
        raise Unprocessable(_("This practitioner does not offer this service at this clinic."))
    practitioner = Membership.objects.select_related("user").get(
        organization_id=ctx.organization.pk, pk=actors["Practitioner"]
    )
    if ctx.member is not None:
        probe = Appointment(organization_id=clinic.organization_id, clinic=clinic, practitioner=practitioner)
        if not ctx.may("scheduling.book_appointment", probe):
            raise Forbidden(_("You may not book this appointment."))
    try:
        return book_appointment(
            clinic=clinic,
            practitioner=practitioner,
            patient=patient,
            service=service,
            start=start,
            by=ctx.user,
            channel=Channel.PORTAL if ctx.is_patient else Channel.API,
            notes=str(body.get("comment") or "")[:2000] if not ctx.is_patient else "",
        )
    except SlotTaken as taken:
        raise Conflict(
            taken.message,
            extra=[
                {
                    "severity": "information",
                    "code": "informational",
                    "diagnostics": _("Next free time: %(start)s") % {"start": slot.start.isoformat()},
                }
                for slot in taken.next_slots
            ],
        ) from None


def change_status(provider, ctx, resource_id: str, body: dict) -> Appointment:
    """The one update accepted: cancelling (``status: cancelled``). Sending the current status changes
    nothing; any other status change is refused (the office handles arrivals and completions)."""
    appointment = provider.get(ctx, resource_id)
    wanted = body.get("status")
    if wanted == APPOINTMENT_STATUS[appointment.status]:
        return appointment
    if wanted != "cancelled":
        raise Unprocessable(_("Only cancelling an appointment is supported: send status cancelled."))
    if ctx.is_patient and not patient_may_cancel(appointment, booking_policy(appointment.clinic)):
        raise Conflict(_("This appointment can no longer be cancelled online. Please call the clinic."))
    if ctx.member is not None and not ctx.may("scheduling.cancel_appointment", appointment):
        raise Forbidden(_("You may not cancel this appointment."))
    version = str((body.get("meta") or {}).get("versionId") or "")
    reason = (
        str((body.get("cancelationReason") or {}).get("text") or "")[:300]
        if isinstance(body.get("cancelationReason"), dict)
        else ""
    )
    try:
        return cancel(
            appointment,
            by_patient=ctx.is_patient,
            by=ctx.user,
            reason=reason or (_("Cancelled online") if ctx.is_patient else ""),
            expected_version=int(version) if version.isdigit() else None,
        )
    except StaleAppointment as stale:
        raise Conflict(stale.message, code="conflict") from None
    except ValidationError as error:
        raise Unprocessable(" ".join(error.messages)) from None
