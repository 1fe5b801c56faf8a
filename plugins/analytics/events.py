"""What other modules' events mean for the roll-ups: the local days whose figures they change.

Objects arrive from other modules as plain values; only their attributes are read (never their models).
Days are marked after the caller's transaction commits, so a change that is rolled back marks nothing and
the caller's own work never waits on analytics.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.db import transaction
from django_scopes import scope

from .rollup import mark_days

log = logging.getLogger(__name__)


def _local(clinic, value) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(clinic.tzinfo).date()
    if isinstance(value, date):
        return value
    return None


def _mark_after_commit(clinic, days_of) -> None:
    clinic_id, organization_id = clinic.pk, clinic.organization_id

    def run():
        try:
            with scope(organization=organization_id):
                mark_days(clinic_id, organization_id, days_of())
        except Exception:  # a listener must never fail the person whose change caused it
            log.exception("analytics: could not mark days of clinic %s", clinic_id)

    transaction.on_commit(run)


def appointment_changed(clinic, appointment, details) -> None:
    days = [_local(clinic, appointment.start), _local(clinic, (details or {}).get("previous_start"))]
    _mark_after_commit(clinic, lambda: days)


def invoice_issued(clinic, invoice) -> None:
    _mark_after_commit(clinic, lambda: [invoice.issue_date])


def invoice_credited(clinic, credit_note) -> None:
    _mark_after_commit(clinic, lambda: [credit_note.issue_date, credit_note.invoice.issue_date])


def payment_received(clinic, payment) -> None:
    _mark_after_commit(clinic, lambda: [payment.date, payment.invoice.issue_date])
