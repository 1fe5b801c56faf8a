"""Every event hook, fired by its real emitter (booking, cancelling, issuing, crediting, paying, dispensing,
the daily stock scan) and heard by the example third-party plugin with its typed payload, delivered the way
the payload declares; and silent at a clinic where the listener's module is off."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import ehr_example
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from core.plugins import events, hookspecs
from core.plugins.docs import hook_names
from core.plugins.events import Delivery, emit
from core.plugins.manager import hookimpl, registry
from core.tenancy.services import set_module_enabled
from plugins.billing.services import credit_notes, drafts, issuing, lines, payments
from plugins.inventory.models import Item
from plugins.inventory.services import dispensing, receiving, reorder_rules
from plugins.scheduling import waitlist
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.status import cancel
from plugins.scheduling.tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_what_was_heard():
    ehr_example.CALLS.clear()
    ehr_example.HEARD.clear()


def heard(kind: type[events.Event]) -> list:
    return [event for event in ehr_example.HEARD if isinstance(event, kind)]


def book(t, start, capture, patient=None):
    with scope(organization=t.org.pk), capture(execute=True):
        return book_appointment(
            clinic=t.clinic,
            practitioner=t.doctor,
            patient=patient or t.patient,
            service=t.service,
            start=start,
            override=True,
            by=t.owner,
        )


def issued_invoice(t, capture, **line):
    with scope(organization=t.org.pk), capture(execute=True):
        invoice = drafts.create_draft(clinic=t.clinic, patient=t.patient, by=t.owner)
        lines.add_line(invoice, description="Consultation", quantity="1", unit_price="80.00", **line)
        return issuing.issue(invoice, by=t.owner)


# --- the contract ------------------------------------------------------------------------------------------


def test_every_event_hook_has_one_payload_and_one_delivery():
    declared = {name for name in hook_names() if getattr(getattr(hookspecs, name), "ehr_event", False)}
    assert declared == set(events.EVENTS)
    for name, payload in events.EVENTS.items():
        assert payload.hook == name
        assert payload.delivery in Delivery
        assert dataclasses.is_dataclass(payload) and payload.__dataclass_params__.frozen


def test_a_payload_carrying_a_model_object_is_refused(sched):
    with scope(organization=sched.org.pk), pytest.raises(TypeError, match="plain values"):
        emit(sched.clinic, events.LotsExpiring(lots=(sched.patient,)))


# --- scheduling ------------------------------------------------------------------------------------------


def test_hook_clinic_appointment_changed(sched, django_capture_on_commit_callbacks):
    appointment = book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    [booked] = heard(events.AppointmentChanged)
    assert booked == events.AppointmentChanged(
        change="booked",
        appointment_id=appointment.pk,
        version=appointment.version,
        status="booked",
        start=appointment.start,
        end=appointment.end,
        patient_id=sched.patient.pk,
        practitioner_id=sched.doctor.pk,
        practitioner_name=sched.doctor.name,
        service_id=sched.service.pk,
        service_name="Consultation",
        by_user_id=sched.owner.pk,
    )
    ehr_example.HEARD.clear()
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        cancel(appointment, by_patient=True, reason="Cannot come")
    assert [e.change for e in heard(events.AppointmentChanged)] == ["status_changed", "cancelled"]
    assert {e.reason for e in heard(events.AppointmentChanged)} == {"Cannot come"}
    assert heard(events.AppointmentChanged)[0].previous_status == "booked"


def test_events_are_silent_where_the_listening_module_is_off(sched, django_capture_on_commit_callbacks):
    with scope(organization=sched.org.pk):
        set_module_enabled(sched.clinic, "example", False)
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    assert heard(events.AppointmentChanged) == []


def test_an_event_of_a_rolled_back_change_is_never_heard(sched, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        scope(organization=sched.org.pk),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        book_appointment(
            clinic=sched.clinic,
            practitioner=sched.doctor,
            patient=sched.patient,
            service=sched.service,
            start=at(MONDAY, 9),
            override=True,
        )
        raise RuntimeError("the caller gave up")
    assert heard(events.AppointmentChanged) == []


def test_hook_clinic_waitlist_slot_freed(sched, django_capture_on_commit_callbacks):
    from tests.factories import make_patient

    other = make_patient(sched.clinic, "Wendy", "Waiting")
    with scope(organization=sched.org.pk):
        for patient in (sched.patient, other):
            waitlist.join(
                clinic=sched.clinic,
                patient=patient,
                service=sched.service,
                practitioner=None,
                earliest=MONDAY,
                latest=MONDAY,
            )
    appointment = book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        cancel(appointment, by_patient=True, reason="")
    [freed] = heard(events.WaitlistSlotFreed)
    assert freed.start == appointment.start and freed.end == appointment.end
    assert freed.freed_by_patient_id == sched.patient.pk
    # The patient who gave the time up is not offered it, even while waiting for that service.
    assert [w.patient_id for w in freed.waiting] == [other.pk]
    assert freed.waiting[0].service_name == "Consultation"


# --- billing ---------------------------------------------------------------------------------------------


def test_hook_clinic_invoice_issuing(sched, django_capture_on_commit_callbacks):
    invoice = issued_invoice(sched, django_capture_on_commit_callbacks, kind="free", reference="X-1")
    [being_issued] = heard(events.InvoiceIssuing)
    assert being_issued.invoice_id == invoice.pk and being_issued.number == invoice.number
    assert [(line.kind, line.reference, line.quantity) for line in being_issued.lines] == [
        ("free", "X-1", Decimal("1.000"))
    ]


def test_an_in_transaction_listener_refuses_the_issue(sched, django_capture_on_commit_callbacks):
    class Refuses:
        @hookimpl
        def clinic_invoice_issuing(self, clinic, event):
            raise ValidationError("Not today.")

    refuses = Refuses()
    registry().pm.register(refuses, name="refuses")
    try:
        with pytest.raises(ValidationError, match="Not today"):
            issued_invoice(sched, django_capture_on_commit_callbacks)
    finally:
        registry().pm.unregister(refuses)
    from plugins.billing.models import Invoice

    with scope(organization=sched.org.pk):
        assert list(Invoice.objects.values_list("status", flat=True)) == ["draft"]
    assert heard(events.InvoiceIssued) == []


def test_hook_clinic_invoice_issued(sched, django_capture_on_commit_callbacks):
    invoice = issued_invoice(sched, django_capture_on_commit_callbacks)
    [issued] = heard(events.InvoiceIssued)
    assert issued.invoice_id == invoice.pk
    assert issued.patient_id == sched.patient.pk
    assert issued.total == invoice.gross_total and issued.currency == invoice.currency
    assert issued.issue_date == invoice.issue_date
    assert issued.portal_path.endswith(f"/account/billing/invoices/{invoice.pk}/")


def test_hook_clinic_invoice_crediting(sched, django_capture_on_commit_callbacks):
    invoice = issued_invoice(sched, django_capture_on_commit_callbacks, kind="free", reference="X-2")
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        note = credit_notes.issue_credit_note(invoice, reason="Charged twice", by=sched.owner)
    [crediting] = heard(events.InvoiceCrediting)
    assert crediting.credit_note_id == note.pk and crediting.invoice_id == invoice.pk
    assert [(line.reference, line.quantity) for line in crediting.lines] == [("X-2", Decimal("1.000"))]


def test_hook_clinic_invoice_credited(sched, django_capture_on_commit_callbacks):
    invoice = issued_invoice(sched, django_capture_on_commit_callbacks)
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        note = credit_notes.issue_credit_note(invoice, reason="Charged twice", by=sched.owner)
    [credited] = heard(events.InvoiceCredited)
    assert credited.credit_note_id == note.pk
    assert credited.invoice_issue_date == invoice.issue_date and credited.total == note.gross_total


def test_hook_clinic_payment_received(sched, django_capture_on_commit_callbacks):
    invoice = issued_invoice(sched, django_capture_on_commit_callbacks)
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        payment, _message = payments.record_payment(invoice, amount="30.00", method="cash", by=sched.owner)
    [paid] = heard(events.PaymentReceived)
    assert (paid.payment_id, paid.invoice_id, paid.amount) == (payment.pk, invoice.pk, Decimal("30.00"))
    assert paid.invoice_number == invoice.number and paid.received_on == payment.date


# --- inventory -------------------------------------------------------------------------------------------


@pytest.fixture
def gauze(sched):
    with scope(organization=sched.org.pk):
        return Item.objects.create(organization=sched.org, name="Gauze", sku="GAUZE", cost_price="2.00")


def test_hook_clinic_stock_low(sched, gauze, django_capture_on_commit_callbacks):
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        receiving.receive(sched.clinic, gauze, Decimal(12), by=sched.owner)
        reorder_rules.set_reorder_rule(sched.clinic, gauze, 10, 30)
        dispensing.dispense(
            sched.clinic, [dispensing.DispenseLine(gauze, Decimal(3))], by=sched.owner, kind="used"
        )
    [low] = heard(events.StockLow)
    assert (low.item_id, low.item_name, low.sku) == (gauze.pk, "Gauze", "GAUZE")
    assert (low.on_hand, low.reorder_level) == (Decimal(9), Decimal(10))


def test_hook_clinic_lots_expiring(sched, django_capture_on_commit_callbacks):
    from plugins.inventory import tasks

    with scope(organization=sched.org.pk):
        ibu = Item.objects.create(
            organization=sched.org, name="Ibuprofen", sku="IBU", cost_price="1.50", lot_tracked=True
        )
        soon = timezone.now().date() + timedelta(days=5)
        receiving.receive(sched.clinic, ibu, Decimal(3), by=sched.owner, lot_number="L-7", expiry_date=soon)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.daily_scan(sched.clinic.pk)
    [expiring] = heard(events.LotsExpiring)
    [lot] = expiring.lots
    assert (lot.item_name, lot.lot_number, lot.expires_on, lot.on_hand) == ("Ibuprofen", "L-7", soon, 3)
    assert isinstance(lot.expires_on, date)


# --- questions modules answer for each other ---------------------------------------------------------------


def test_hook_clinic_upcoming_appointments(sched, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from core.plugins.types import UpcomingAppointment
    from core.tenancy.modules import clinic_hook

    appointment = book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    book(sched, at(MONDAY, 15), django_capture_on_commit_callbacks)
    with scope(organization=sched.org.pk):
        ask = clinic_hook(sched.clinic, "clinic_upcoming_appointments")
        found = [
            a
            for answer in ask(clinic=sched.clinic, start_after=at(MONDAY, 8), start_until=at(MONDAY, 12))
            for a in answer
        ]
        assert found == [
            UpcomingAppointment(
                appointment_id=appointment.pk,
                version=appointment.version,
                patient_id=sched.patient.pk,
                practitioner_name=sched.doctor.name,
                service_name="Consultation",
                start=appointment.start,
                end=appointment.start + timedelta(minutes=30),
                updated_at=appointment.updated_at,
            )
        ]
        set_module_enabled(sched.clinic, "scheduling", False)
        ask = clinic_hook(type(sched.clinic).objects.get(pk=sched.clinic.pk), "clinic_upcoming_appointments")
        assert [
            a
            for answer in ask(clinic=sched.clinic, start_after=at(MONDAY, 8), start_until=at(MONDAY, 18))
            for a in answer
        ] == []
