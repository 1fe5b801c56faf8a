"""What other modules' events mean for the roll-ups: the local days whose figures they change.

Events arrive as the typed payloads of ``core.plugins.events``, in the worker once the change that caused
them has committed (a change that is rolled back marks nothing, and the caller never waits on analytics).
"""

from __future__ import annotations

from datetime import date, datetime

from core.plugins import events

from .rollup import mark_days


def _local(clinic, value: datetime | None) -> date | None:
    return value.astimezone(clinic.tzinfo).date() if value is not None else None


def appointment_changed(clinic, event: events.AppointmentChanged) -> None:
    days = [_local(clinic, event.start), _local(clinic, event.previous_start)]
    mark_days(clinic.pk, clinic.organization_id, days)


def invoice_issued(clinic, event: events.InvoiceIssued) -> None:
    mark_days(clinic.pk, clinic.organization_id, [event.issue_date])


def invoice_credited(clinic, event: events.InvoiceCredited) -> None:
    mark_days(clinic.pk, clinic.organization_id, [event.issue_date, event.invoice_issue_date])


def payment_received(clinic, event: events.PaymentReceived) -> None:
    mark_days(clinic.pk, clinic.organization_id, [event.received_on, event.invoice_issue_date])
