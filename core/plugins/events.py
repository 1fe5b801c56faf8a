"""Events: what one module tells the others happened, with typed payloads, and how the core delivers them.

Each event is a frozen dataclass naming its hook and its one delivery. A module fires it with
``emit(clinic, SomeEvent(...))``; the core calls the listeners of the modules that are on for the clinic,
the way the event's delivery says. Listeners never wrap their own "after commit" or "never raise": the
delivery already decides that.

- ``IN_TRANSACTION``: called at once, inside the emitter's transaction, before it commits. A listener may
  refuse the change by raising ``ValidationError`` (nothing is written then); it runs in the caller's
  request, so it stays fast.
- ``AFTER_COMMIT``: called in the same process once the transaction commits (never for a change that was
  rolled back). A failing listener is logged and the others still hear the news; the person whose action
  caused it never sees the error.
- ``IN_WORKER``: one django-q2 task is queued with the change (its row is written in the emitter's
  transaction, so it exists only once the change commits); the worker calls the listeners inside the clinic's
  organization scope, language and time zone, and only for modules still on there. The payload holds plain
  values (ids, names, dates, amounts), never model objects: a listener re-loads what it owns by id.

A payload carries everything its listeners need in the emitter's words, so no module reads another
module's model fields.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from django.db import transaction

log = logging.getLogger(__name__)

DELIVER_TASK = "core.plugins.events.deliver_in_worker"


class Delivery(StrEnum):
    IN_TRANSACTION = "in_transaction"
    AFTER_COMMIT = "after_commit"
    IN_WORKER = "in_worker"


@dataclass(frozen=True)
class Event:
    """Base of every event payload: the hook it is announced on and how it is delivered."""

    hook: ClassVar[str]
    delivery: ClassVar[Delivery]


# --- scheduling -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppointmentChanged(Event):
    """Something happened to an appointment. ``change`` is ``booked`` (a new appointment or online request),
    ``approved``, ``rescheduled``, ``cancelled``, ``no_show``, ``completed`` or ``status_changed`` (sent for
    every status change alongside the specific one)."""

    hook: ClassVar[str] = "clinic_appointment_changed"
    delivery: ClassVar[Delivery] = Delivery.IN_WORKER

    change: str
    appointment_id: int
    version: int
    status: str
    start: datetime
    end: datetime
    patient_id: int
    practitioner_id: int
    practitioner_name: str
    service_id: int | None = None
    service_name: str = ""
    previous_status: str = ""
    previous_start: datetime | None = None
    previous_practitioner_id: int | None = None
    reason: str = ""
    part_of_series: bool = False
    by_user_id: int | None = None


@dataclass(frozen=True)
class WaitingPatient:
    """One waitlist entry a freed slot is offered to."""

    entry_id: int
    patient_id: int
    service_name: str = ""


@dataclass(frozen=True)
class WaitlistSlotFreed(Event):
    """A slot matching waiting patients became free (after a cancellation or a move). ``freed_by_patient_id``
    is the patient whose appointment freed it, who is never offered their own slot."""

    hook: ClassVar[str] = "clinic_waitlist_slot_freed"
    delivery: ClassVar[Delivery] = Delivery.IN_WORKER

    waiting: tuple[WaitingPatient, ...]
    start: datetime
    end: datetime
    freed_by_patient_id: int | None = None


# --- billing ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BilledLine:
    """One line of an invoice or credit note, as other modules see it: ``kind`` and ``reference`` name what
    was billed in the contributing module's terms (``product`` and a SKU for stock items)."""

    line_id: int
    kind: str
    reference: str
    description: str
    quantity: Decimal


@dataclass(frozen=True)
class InvoiceIssuing(Event):
    """An invoice is being issued: called inside the issuing transaction, so a listener that raises
    ``ValidationError`` refuses the issue (inventory, when stock is short)."""

    hook: ClassVar[str] = "clinic_invoice_issuing"
    delivery: ClassVar[Delivery] = Delivery.IN_TRANSACTION

    invoice_id: int
    number: str
    issue_date: date
    patient_id: int | None
    lines: tuple[BilledLine, ...]


@dataclass(frozen=True)
class InvoiceIssued(Event):
    """An invoice was issued (heard once the issue has committed)."""

    hook: ClassVar[str] = "clinic_invoice_issued"
    delivery: ClassVar[Delivery] = Delivery.IN_WORKER

    invoice_id: int
    number: str
    issue_date: date
    patient_id: int | None
    total: Decimal
    currency: str
    portal_path: str = ""


@dataclass(frozen=True)
class InvoiceCrediting(Event):
    """A credit note is being issued against an invoice, inside the issuing transaction (inventory returns
    the stock of credited product lines)."""

    hook: ClassVar[str] = "clinic_invoice_crediting"
    delivery: ClassVar[Delivery] = Delivery.IN_TRANSACTION

    credit_note_id: int
    invoice_id: int
    number: str
    issue_date: date
    patient_id: int | None
    lines: tuple[BilledLine, ...]


@dataclass(frozen=True)
class InvoiceCredited(Event):
    """A credit note was issued (heard once it has committed)."""

    hook: ClassVar[str] = "clinic_invoice_credited"
    delivery: ClassVar[Delivery] = Delivery.IN_WORKER

    credit_note_id: int
    invoice_id: int
    issue_date: date
    invoice_issue_date: date
    total: Decimal
    currency: str


@dataclass(frozen=True)
class PaymentReceived(Event):
    """A payment was recorded against an invoice."""

    hook: ClassVar[str] = "clinic_payment_received"
    delivery: ClassVar[Delivery] = Delivery.IN_WORKER

    payment_id: int
    invoice_id: int
    invoice_number: str
    invoice_issue_date: date
    patient_id: int | None
    amount: Decimal
    currency: str
    received_on: date


# --- inventory --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockLow(Event):
    """Stock of an item fell to or below its reorder level (once per crossing)."""

    hook: ClassVar[str] = "clinic_stock_low"
    delivery: ClassVar[Delivery] = Delivery.IN_WORKER

    item_id: int
    item_name: str
    sku: str
    on_hand: Decimal
    reorder_level: Decimal


@dataclass(frozen=True)
class ExpiringLot:
    lot_id: int
    item_name: str
    lot_number: str
    expires_on: date
    on_hand: Decimal


@dataclass(frozen=True)
class LotsExpiring(Event):
    """The daily scan found lots expiring soon (or expired with stock left). Fired from that scan, which
    already runs in the worker."""

    hook: ClassVar[str] = "clinic_lots_expiring"
    delivery: ClassVar[Delivery] = Delivery.AFTER_COMMIT

    lots: tuple[ExpiringLot, ...]


EVENTS: dict[str, type[Event]] = {
    cls.hook: cls
    for cls in (
        AppointmentChanged,
        WaitlistSlotFreed,
        InvoiceIssuing,
        InvoiceIssued,
        InvoiceCrediting,
        InvoiceCredited,
        PaymentReceived,
        StockLow,
        LotsExpiring,
    )
}


# --- delivery ---------------------------------------------------------------------------------------------


def _listeners(clinic, hook: str, only: frozenset[str] | None = None) -> list:
    """The implementations of ``hook`` whose module is on for ``clinic`` (a plugin that is not a module,
    such as a test's, always hears), in pluggy's call order."""
    # Imported here: the registry loads the hookspecs, whose annotations name these payloads.
    from core.tenancy.modules import enabled_modules

    from .manager import registry

    modules = registry().modules
    enabled = enabled_modules(clinic)
    impls = reversed(getattr(registry().pm.hook, hook).get_hookimpls())
    return [
        impl
        for impl in impls
        if (impl.plugin_name not in modules or impl.plugin_name in enabled)
        and (only is None or impl.plugin_name in only)
    ]


def _call_each(clinic, event: Event, impls) -> None:
    for impl in impls:
        try:
            impl.function(clinic=clinic, event=event)
        except Exception:
            log.exception("listener %s of %s failed at clinic %s", impl.plugin_name, event.hook, clinic.pk)


def _plain(value) -> bool:
    """Plain values only, at any depth of the payload's own records (``BilledLine``, ``WaitingPatient``…)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(_plain(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, tuple):
        return all(_plain(item) for item in value)
    return isinstance(value, str | int | float | bool | Decimal | date | datetime | type(None))


def emit(clinic, event: Event) -> None:
    """Announce ``event`` at ``clinic`` to the modules that are on there, as its delivery says."""
    if not _plain(event):
        raise TypeError(f"{type(event).__name__} must carry plain values only (ids, text, dates, amounts)")
    if event.delivery is Delivery.IN_TRANSACTION:
        for impl in _listeners(clinic, event.hook):
            impl.function(clinic=clinic, event=event)
        return
    if event.delivery is Delivery.AFTER_COMMIT:
        transaction.on_commit(
            lambda: _in_scope(clinic, lambda: _call_each(clinic, event, _listeners(clinic, event.hook)))
        )
        return
    # One task, written in the emitter's transaction so it commits with the change (core.tasks).
    from core.tasks import transaction_holds_queue

    transaction_holds_queue(lambda: _in_scope(clinic, lambda: _queue(clinic, event)))


def _in_scope(clinic, work) -> None:
    """Run ``work`` in the clinic's organization scope: a commit hook runs after the caller's ``with scope``
    may have ended (a management command's transaction commits outside it)."""
    from django_scopes import scope

    with scope(organization=clinic.organization_id):
        work()


def _queue(clinic, event: Event) -> None:
    from django_q.tasks import async_task

    listening = [impl.plugin_name for impl in _listeners(clinic, event.hook)]
    if listening:  # nobody listening at this clinic: no task at all
        async_task(DELIVER_TASK, clinic.pk, event=event, plugins=listening)


def deliver_in_worker(clinic_id: int, *, event: Event, plugins: list[str]) -> None:
    """Worker side of an ``IN_WORKER`` event: call the listeners of ``plugins`` whose module is still on."""
    from core.tasks import clinic_task

    clinic_task()(_deliver)(clinic_id, event=event, plugins=plugins)


def _deliver(clinic, *, event: Event, plugins: list[str]) -> None:
    _call_each(clinic, event, _listeners(clinic, event.hook, only=frozenset(plugins)))
