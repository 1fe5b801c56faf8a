"""What each event of the other modules becomes: which message, for whom, with which plain values.

Events arrive as the typed payloads of ``core.plugins.events``, heard in the worker once the change that
caused them has committed; this module reads nothing of the other modules but those payloads.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.utils import formats, translation

from core.patients.models import Patient
from core.plugins import events
from core.plugins.types import UpcomingAppointment
from core.quantities import plain_quantity
from core.tenancy.models import Clinic
from core.tenancy.modules import clinic_hook

from .models import MessageType
from .services.config import language_for
from .services.patient_messages import notify_patient
from .services.team_messages import notify_team

log = logging.getLogger(__name__)

CANCELLED = ("cancelled_patient", "cancelled_clinic")


def local_date_time(clinic: Clinic, moment: datetime | None, language: str) -> tuple[str, str]:
    if moment is None:
        return "", ""
    local = moment.astimezone(clinic.tzinfo)
    with translation.override(language):
        return formats.date_format(local, "l, j F Y"), local.strftime("%H:%M")


def money(amount, currency: str, language: str) -> str:
    from core.money import format_money

    try:
        return format_money(amount, currency, language)
    except Exception:
        return f"{amount} {currency}"


def appointment_context(
    clinic: Clinic, appointment: events.AppointmentChanged | UpcomingAppointment, language: str
) -> dict:
    """What a message about an appointment may say: its day and time on the clinic's clock, who and what,
    and for a change, what it was before and why."""
    day, time = local_date_time(clinic, appointment.start, language)
    previous_start = getattr(appointment, "previous_start", None)
    previous_day, previous_time = local_date_time(clinic, previous_start, language)
    return {
        "practitioner_name": appointment.practitioner_name,
        "service_name": appointment.service_name,
        "date": day,
        "time": time,
        "previous_date": previous_day,
        "previous_time": previous_time,
        "reason": getattr(appointment, "reason", ""),
    }


def message_type_for(event: events.AppointmentChanged) -> str | None:
    if event.change == "booked":
        # An online request awaiting approval is acknowledged now and answered when approved or declined.
        if event.status == "requested":
            return MessageType.REQUEST_RECEIVED
        return MessageType.APPOINTMENT_BOOKED if event.status == "booked" else None
    if event.change == "approved":
        return MessageType.REQUEST_APPROVED
    if event.change == "rescheduled":
        return MessageType.APPOINTMENT_RESCHEDULED
    if event.change == "status_changed" and event.status in CANCELLED:
        # Handled here rather than on "cancelled": only this change says what the status was before.
        if event.previous_status == "requested":
            return MessageType.REQUEST_DECLINED
        return MessageType.APPOINTMENT_CANCELLED
    return None


def appointment_changed(clinic: Clinic, event: events.AppointmentChanged) -> None:
    message_type = message_type_for(event)
    if message_type is None or _superseded(clinic, event):
        return
    patient = _patient(clinic, event.patient_id)
    language = language_for(clinic, patient)
    notify_patient(
        clinic,
        patient,
        message_type,
        key=f"appt:{event.appointment_id}:{message_type}:v{event.version}",
        context=appointment_context(clinic, event, language),
        related=("appointment", event.appointment_id),
    )


def _superseded(clinic: Clinic, event: events.AppointmentChanged) -> bool:
    """The appointment changed again before this event was heard (booked, then cancelled before the
    worker ran): the later event's message is the one to send."""
    ask = clinic_hook(clinic, "clinic_appointment_now")
    now = ask(clinic=clinic, appointment_id=event.appointment_id)
    return now is not None and now.version != event.version


def waitlist_slot_freed(clinic: Clinic, event: events.WaitlistSlotFreed) -> None:
    for waiting in event.waiting:
        if waiting.patient_id == event.freed_by_patient_id:
            continue  # never offer patients the time they have just given up
        patient = _patient(clinic, waiting.patient_id)
        if patient is None:
            continue
        language = language_for(clinic, patient)
        day, time = local_date_time(clinic, event.start, language)
        notify_patient(
            clinic,
            patient,
            MessageType.WAITLIST_OFFER,
            key=f"waitlist:{waiting.entry_id}:{event.start.isoformat()}",
            context={"date": day, "time": time, "service_name": waiting.service_name},
            related=("waitlist_entry", waiting.entry_id),
        )


def _patient(clinic: Clinic, patient_id) -> Patient | None:
    if not patient_id:
        return None
    return Patient.objects.filter(organization_id=clinic.organization_id, pk=patient_id).first()


def invoice_issued(clinic: Clinic, event: events.InvoiceIssued) -> None:
    """The invoice message for the patient, once per invoice."""
    patient = _patient(clinic, event.patient_id)
    language = language_for(clinic, patient)
    link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + event.portal_path if event.portal_path else ""
    notify_patient(
        clinic,
        patient,
        MessageType.INVOICE_ISSUED,
        key=f"invoice:{event.invoice_id}:issued",
        context={
            "invoice_number": event.number,
            "amount": money(event.total, event.currency, language),
            "link": link,
        },
        related=("invoice", event.invoice_id),
    )


def payment_received(clinic: Clinic, event: events.PaymentReceived) -> None:
    patient = _patient(clinic, event.patient_id)
    language = language_for(clinic, patient)
    notify_patient(
        clinic,
        patient,
        MessageType.PAYMENT_RECEIPT,
        key=f"payment:{event.payment_id}:receipt",
        context={
            "amount": money(event.amount, event.currency, language),
            "invoice_number": event.invoice_number,
        },
        related=("payment", event.payment_id),
    )


def stock_low(clinic: Clinic, event: events.StockLow) -> None:
    today = datetime.now(clinic.tzinfo).date().isoformat()
    notify_team(
        clinic,
        MessageType.STOCK_LOW,
        key=f"stock_low:{event.item_id}:{today}:{event.on_hand}",
        context={
            "item_name": event.item_name,
            "on_hand": plain_quantity(event.on_hand),
            "reorder_level": plain_quantity(event.reorder_level),
        },
        related=("stock_item", event.item_id),
    )


def lots_expiring(clinic: Clinic, event: events.LotsExpiring) -> None:
    if not event.lots:
        return
    today = datetime.now(clinic.tzinfo).date().isoformat()
    rows = [
        {"name": lot.item_name, "number": lot.lot_number, "expires": lot.expires_on.isoformat()}
        for lot in event.lots
    ]
    ids = ",".join(str(lot.lot_id) for lot in event.lots)
    notify_team(
        clinic,
        MessageType.LOTS_EXPIRING,
        key=f"lots_expiring:{today}:{ids}"[:150],
        context={"lots": rows},
    )
