"""What each event of the other modules becomes: which message, for whom, with which plain values.

Objects from other modules are read duck-typed (only the attributes named in their hooks' documentation),
so this module never imports them.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import formats, translation

from core.patients.models import Patient
from core.tasks import enqueue_on_commit
from core.tenancy.models import Clinic

from . import services
from .models import MessageType

log = logging.getLogger(__name__)

CANCELLED = ("cancelled_patient", "cancelled_clinic")
INVOICE_TASK = "plugins.notifications.tasks.record_invoice_issued"


def local_date_time(clinic: Clinic, moment: datetime | None, language: str) -> tuple[str, str]:
    if moment is None:
        return "", ""
    local = moment.astimezone(clinic.tzinfo)
    with translation.override(language):
        return formats.date_format(local, "l, j F Y"), local.strftime("%H:%M")


def money(amount, currency: str, language: str) -> str:
    from babel.numbers import format_currency

    try:
        return format_currency(Decimal(str(amount)), currency, locale=language)
    except Exception:
        return f"{amount} {currency}"


def appointment_context(clinic: Clinic, appointment, language: str, details: dict | None = None) -> dict:
    details = details or {}
    day, time = local_date_time(clinic, appointment.start, language)
    previous_day, previous_time = local_date_time(clinic, details.get("previous_start"), language)
    practitioner = getattr(appointment, "practitioner", None)
    service = getattr(appointment, "service", None)
    return {
        "practitioner_name": getattr(practitioner, "name", "") or "",
        "service_name": getattr(service, "name", "") or "",
        "date": day,
        "time": time,
        "previous_date": previous_day,
        "previous_time": previous_time,
        "reason": str(details.get("reason") or getattr(appointment, "cancellation_reason", "") or ""),
    }


def message_type_for(event: str, appointment, details: dict) -> str | None:
    if event == "booked":
        # An online request awaiting approval is acknowledged now and answered when approved or declined.
        if appointment.status == "requested":
            return MessageType.REQUEST_RECEIVED
        return MessageType.APPOINTMENT_BOOKED if appointment.status == "booked" else None
    if event == "approved":
        return MessageType.REQUEST_APPROVED
    if event == "rescheduled":
        return MessageType.APPOINTMENT_RESCHEDULED
    if event == "status_changed" and appointment.status in CANCELLED:
        # Handled here rather than on "cancelled": only this event says what the status was before.
        if details.get("previous_status") == "requested":
            return MessageType.REQUEST_DECLINED
        return MessageType.APPOINTMENT_CANCELLED
    return None


def appointment_changed(clinic: Clinic, event: str, appointment, details: dict) -> None:
    message_type = message_type_for(event, appointment, details or {})
    if message_type is None:
        return
    patient = appointment.patient
    language = services.language_for(clinic, patient)
    services.notify_patient(
        clinic,
        patient,
        message_type,
        key=f"appt:{appointment.pk}:{message_type}:v{appointment.version}",
        context=appointment_context(clinic, appointment, language, details),
        related=("appointment", appointment.pk),
    )


def waitlist_slot_freed(clinic: Clinic, entries: list, start, end) -> None:
    for entry in entries:
        patient_id = getattr(entry, "patient_id", None) or getattr(
            getattr(entry, "patient", None), "pk", None
        )
        patient = _patient(clinic, patient_id)
        if patient is None:
            continue
        language = services.language_for(clinic, patient)
        day, time = local_date_time(clinic, start, language)
        service = getattr(entry, "service", None)
        services.notify_patient(
            clinic,
            patient,
            MessageType.WAITLIST_OFFER,
            key=f"waitlist:{entry.pk}:{start.isoformat()}",
            context={"date": day, "time": time, "service_name": getattr(service, "name", "") or ""},
            related=("waitlist_entry", entry.pk),
        )


def _patient(clinic: Clinic, patient_id) -> Patient | None:
    if not patient_id:
        return None
    return Patient.objects.filter(organization_id=clinic.organization_id, pk=patient_id).first()


def _invoice_link(clinic: Clinic, invoice) -> str:
    """Where the patient sees the invoice and its PDF: the invoice's own ``portal_url`` if it has one, else
    the patient-account page the billing module names ``portal:billing:invoice`` (found by route name, so
    nothing of billing is imported; no link when there is no such page)."""
    from django.urls import NoReverseMatch, reverse

    link = getattr(invoice, "portal_url", "") or ""
    if callable(link):
        link = link()
    if not link:
        try:
            link = reverse(
                "portal:billing:invoice", kwargs={"clinic_slug": clinic.slug, "invoice_id": str(invoice.pk)}
            )
        except NoReverseMatch:
            link = ""
    if link and link.startswith("/"):
        link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + link
    return str(link)


def invoice_issued(clinic: Clinic, invoice) -> None:
    """Called inside billing's transaction: copy plain values now and queue the message's recording for
    the worker once the issue commits (never for an issue that is rolled back, and never able to refuse
    the issue)."""
    enqueue_on_commit(
        INVOICE_TASK,
        clinic.pk,
        invoice_id=invoice.pk,
        number=str(getattr(invoice, "number", "") or ""),
        patient_id=getattr(invoice, "patient_id", None),
        total=getattr(invoice, "total", None) or getattr(invoice, "gross", None) or 0,
        currency=getattr(invoice, "currency", "") or clinic.currency,
        link=_invoice_link(clinic, invoice),
    )


def record_invoice_issued(
    clinic: Clinic, *, invoice_id: int, number: str, patient_id, total, currency: str, link: str
) -> None:
    """Worker side of ``invoice_issued``: the invoice message for the patient, once per invoice."""
    patient = _patient(clinic, patient_id)
    language = services.language_for(clinic, patient)
    services.notify_patient(
        clinic,
        patient,
        MessageType.INVOICE_ISSUED,
        key=f"invoice:{invoice_id}:issued",
        context={"invoice_number": number, "amount": money(total, currency, language), "link": link},
        related=("invoice", invoice_id),
    )


def payment_received(clinic: Clinic, payment) -> None:
    invoice = getattr(payment, "invoice", None)
    patient_id = getattr(payment, "patient_id", None) or getattr(invoice, "patient_id", None)
    patient = _patient(clinic, patient_id)
    language = services.language_for(clinic, patient)
    currency = getattr(payment, "currency", "") or getattr(invoice, "currency", "") or clinic.currency
    services.notify_patient(
        clinic,
        patient,
        MessageType.PAYMENT_RECEIPT,
        key=f"payment:{payment.pk}:receipt",
        context={
            "amount": money(payment.amount, currency, language),
            "invoice_number": str(getattr(invoice, "number", "") or ""),
        },
        related=("payment", payment.pk),
    )


def stock_low(clinic: Clinic, item, on_hand, reorder_level) -> None:
    today = datetime.now(clinic.tzinfo).date().isoformat()
    services.notify_team(
        clinic,
        MessageType.STOCK_LOW,
        key=f"stock_low:{item.pk}:{today}:{on_hand}",
        context={
            "item_name": str(getattr(item, "name", item)),
            "on_hand": str(on_hand),
            "reorder_level": str(reorder_level),
        },
        related=("stock_item", item.pk),
    )


def lots_expiring(clinic: Clinic, lots: list) -> None:
    if not lots:
        return
    today = datetime.now(clinic.tzinfo).date().isoformat()
    rows = []
    for lot in lots:
        item = getattr(lot, "item", None)
        expires = (
            getattr(lot, "expires_on", None)
            or getattr(lot, "expiry_date", None)
            or getattr(lot, "expires", "")
        )
        rows.append(
            {
                "name": str(getattr(lot, "name", "") or getattr(item, "name", "") or lot),
                "number": str(getattr(lot, "number", "") or getattr(lot, "lot_number", "") or ""),
                "expires": str(expires or ""),
            }
        )
    ids = ",".join(str(getattr(lot, "pk", "")) for lot in lots)
    services.notify_team(
        clinic,
        MessageType.LOTS_EXPIRING,
        key=f"lots_expiring:{today}:{ids}"[:150],
        context={"lots": rows},
    )
