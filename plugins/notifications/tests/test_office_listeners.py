"""Back-office pages and the listeners for billing and inventory events (stand-in objects)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django_scopes import scope

from core.plugins import events
from core.plugins.events import emit
from core.tenancy.modules import clinic_hook
from plugins.notifications.models import (
    MessageTemplate,
    MessageType,
    OutboxMessage,
    PatientPreference,
    Status,
)

from .conftest import at
from .helpers import book, outbox

pytestmark = pytest.mark.django_db


def base(t):
    return f"/office/c/{t.clinic.slug}/notifications/"


def failed_message(t):
    with scope(organization=t.org.pk):
        return OutboxMessage.objects.create(
            organization=t.org,
            clinic=t.clinic,
            patient=t.patient,
            recipient=t.patient.email,
            channel="email",
            message_type=MessageType.APPOINTMENT_BOOKED,
            idempotency_key="test:1:email",
            subject="Hello",
            body_text="Hello",
            status=Status.FAILED,
            attempts=5,
            last_error="boom",
        )


def test_message_log_and_retry(sched, login, django_capture_on_commit_callbacks):
    message = failed_message(sched)
    client = login(sched.staff)
    page = client.get(base(sched))
    assert page.status_code == 200 and f'data-message="{message.pk}"'.encode() in page.content
    assert client.get(base(sched), {"status": "sent"}).content.count(b"data-message=") == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{base(sched)}retry/", {"message": message.pk})
    assert response.status_code == 302
    [row] = outbox(sched)
    assert row.status == Status.SENT and row.attempts == 1  # sent again at once (tasks run inline here)
    assert len(mail.outbox) == 1
    assert client.post(f"{base(sched)}retry/", {"message": "abc"}).status_code == 404


def test_practitioner_may_not_see_the_log_and_other_tenants_get_404(sched, beta, login):
    message = failed_message(sched)
    assert login(sched.practitioner).get(base(sched)).status_code == 403
    outsider = login(beta.owner)
    assert outsider.get(base(sched)).status_code == 404
    beta_base = f"/office/c/{beta.clinic.slug}/notifications/"
    assert outsider.post(f"{beta_base}retry/", {"message": message.pk}).status_code == 404


def test_settings_channels_owner_only_templates_staff_too(sched, login):
    owner = login(sched.owner)
    assert owner.get(f"{base(sched)}settings/").status_code == 200
    response = owner.post(
        f"{base(sched)}settings/",
        {
            "email_enabled": "on",
            "sms_enabled": "on",
            "sender_name": "Alpha",
            "reminder_hours": "48, 1.5",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
        },
    )
    assert response.status_code == 302
    from plugins.notifications.services.config import settings_for

    with scope(organization=sched.org.pk):
        config = settings_for(sched.clinic)
        assert config.sms_enabled and config.reminder_offsets == [2880, 90]
    bad = owner.post(f"{base(sched)}settings/", {"reminder_hours": "soon"})
    assert bad.status_code == 200 and b"is not a number of hours" in bad.content
    half = owner.post(f"{base(sched)}settings/", {"reminder_hours": "24", "quiet_hours_start": "22:00"})
    assert half.status_code == 200 and b"Give both the start and the end" in half.content
    staff = login(sched.staff)
    assert staff.get(f"{base(sched)}settings/").status_code == 200
    assert staff.post(f"{base(sched)}settings/", {"sms_enabled": "on"}).status_code == 403


def test_template_edit_preview_and_reset(sched, login):
    client = login(sched.staff)
    url = f"{base(sched)}templates/?type=appointment_booked&lang=de"
    page = client.get(url)
    assert page.status_code == 200 and b"Ihr Termin am" in page.content
    preview = client.post(
        f"{base(sched)}templates/preview/",
        {
            "type": "appointment_booked",
            "lang": "de",
            "subject": "{% if %}",
            "body": "Hallo {{ patient_name }}",
        },
    )
    assert preview.status_code == 200 and b"Hallo Alex Example" in preview.content
    assert b"subject" in preview.content  # the subject fell back and the page says so
    saved = client.post(
        url, {"type": "appointment_booked", "lang": "de", "subject": "S", "body": "B", "sms_body": ""}
    )
    assert saved.status_code == 302
    with scope(organization=sched.org.pk):
        assert MessageTemplate.objects.filter(organization=sched.org, language="de").count() == 1
    client.post(url, {"type": "appointment_booked", "lang": "de", "action": "reset"})
    with scope(organization=sched.org.pk):
        assert not MessageTemplate.objects.filter(organization=sched.org).exists()
    assert client.get(f"{base(sched)}templates/?type=nope&lang=de").status_code == 404


def test_patient_chart_tab_and_preferences(sched, beta, login, django_capture_on_commit_callbacks):
    book(sched, at(date(2031, 3, 12), 15), django_capture_on_commit_callbacks)
    client = login(sched.staff)
    detail = client.get(f"/office/patients/{sched.patient.pk}/")
    assert f"notifications/patient/?patient={sched.patient.pk}".encode() in detail.content
    tab = client.get(f"{base(sched)}patient/", {"patient": sched.patient.pk})
    assert tab.status_code == 200 and b'data-testid="patient-messages"' in tab.content
    assert client.get(f"{base(sched)}patient/", {"patient": beta.patient.pk}).status_code == 404
    response = client.post(
        f"{base(sched)}patient/preferences/",
        {"patient": sched.patient.pk, "appointment_reminder__sms": "on"},
    )
    assert response.status_code == 302
    with scope(organization=sched.org.pk):
        pref = PatientPreference.objects.get(
            organization=sched.org, patient=sched.patient, message_type="appointment_reminder"
        )
        assert (pref.email, pref.sms) == (False, True)


def test_nav_items(sched, rf):
    request = rf.get("/")
    request.user = sched.owner
    with scope(organization=sched.org.pk):
        items = [
            i
            for found in clinic_hook(sched.clinic, "clinic_nav_items")(request=request, clinic=sched.clinic)
            for i in found
        ]
    assert {str(i.label) for i in items} >= {"Messages", "Message settings"}


def invoice_issued(t, pk: int, number: str, total: str) -> events.InvoiceIssued:
    return events.InvoiceIssued(
        invoice_id=pk,
        number=number,
        issue_date=date(2031, 3, 3),
        patient_id=t.patient.pk,
        total=Decimal(total),
        currency="USD",
        portal_path=f"/c/{t.clinic.slug}/account/billing/invoices/{pk}/",
    )


def test_invoice_issued_is_recorded_only_after_billing_commits(sched, django_capture_on_commit_callbacks):
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):  # noqa: SIM117
        with transaction.atomic():  # billing's transaction, committed before the callbacks run
            emit(sched.clinic, invoice_issued(sched, 7, "2031-0007", "80.00"))
            assert outbox(sched) == []  # nothing inside billing's transaction
    [row] = outbox(sched)
    assert (row.message_type, row.status, row.related_id) == (MessageType.INVOICE_ISSUED, Status.SENT, 7)
    assert "2031-0007" in mail.outbox[0].subject and "$80.00" in mail.outbox[0].body
    # Linked to the patient's invoice page in the portal, where the PDF is.
    assert f"/c/{sched.clinic.slug}/account/billing/invoices/7/" in mail.outbox[0].body


def test_invoice_rolled_back_sends_nothing(sched, django_capture_on_commit_callbacks):
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                emit(sched.clinic, invoice_issued(sched, 8, "X", "1"))
                raise RuntimeError
        except RuntimeError:
            pass
    assert outbox(sched) == []


def test_payment_receipt_and_team_alerts(sched, django_capture_on_commit_callbacks):
    paid = events.PaymentReceived(
        payment_id=3,
        invoice_id=9,
        invoice_number="2031-0009",
        invoice_issue_date=date(2031, 3, 3),
        patient_id=sched.patient.pk,
        amount=Decimal("20.00"),
        currency="USD",
        received_on=date(2031, 3, 4),
    )
    low = events.StockLow(
        item_id=5, item_name="Syringes", sku="SYR", on_hand=Decimal(2), reorder_level=Decimal(10)
    )
    lots = (
        events.ExpiringLot(
            lot_id=1, item_name="Vaccine A", lot_number="L1", expires_on=date(2031, 4, 1), on_hand=Decimal(4)
        ),
    )
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):  # fired twice, recorded once
            emit(sched.clinic, paid)
            emit(sched.clinic, low)
            emit(sched.clinic, events.LotsExpiring(lots=lots))
    rows = outbox(sched)
    assert [r.message_type for r in rows if r.patient_id] == [MessageType.PAYMENT_RECEIPT]
    team = {r.recipient for r in rows if r.message_type == MessageType.STOCK_LOW}
    assert team == {sched.owner.email, sched.staff.email}  # owner and staff, not the practitioner
    assert len([r for r in rows if r.message_type == MessageType.LOTS_EXPIRING]) == 2
    assert all(r.status == Status.SENT for r in rows)


def test_waitlist_offer(sched, django_capture_on_commit_callbacks):
    from datetime import timedelta

    start = at(date(2031, 3, 12), 10)
    freed = events.WaitlistSlotFreed(
        waiting=(
            events.WaitingPatient(entry_id=4, patient_id=sched.patient.pk, service_name="Consultation"),
        ),
        start=start,
        end=start + timedelta(minutes=30),
    )
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        emit(sched.clinic, freed)
    assert "10:00" in mail.outbox[0].subject


def test_the_patient_who_freed_a_slot_is_not_offered_it(sched, django_capture_on_commit_callbacks):
    from datetime import timedelta

    start = at(date(2031, 3, 12), 10)
    freed = events.WaitlistSlotFreed(
        waiting=(
            events.WaitingPatient(entry_id=4, patient_id=sched.patient.pk, service_name="Consultation"),
        ),
        start=start,
        end=start + timedelta(minutes=30),
        freed_by_patient_id=sched.patient.pk,
    )
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        emit(sched.clinic, freed)
    assert mail.outbox == [] and outbox(sched) == []


def test_office_refuses_a_template_that_does_not_render(sched, login):
    client = login(sched.staff)
    url = f"{base(sched)}templates/?type=appointment_reminder&lang=en"
    response = client.post(
        url,
        {"type": "appointment_reminder", "lang": "en", "subject": "{% if %}", "body": "ok", "sms_body": ""},
    )
    assert response.status_code == 200 and b"This template has an error" in response.content
    with scope(organization=sched.org.pk):
        assert not MessageTemplate.objects.filter(organization=sched.org).exists()


def test_preview_counts_text_message_parts(sched, login):
    preview = login(sched.staff).post(
        f"{base(sched)}templates/preview/",
        {"type": "appointment_booked", "lang": "en", "subject": "S", "body": "B", "sms_body": "word " * 60},
    )
    assert (
        b'data-testid="sms-segments"' in preview.content
        and b"Goes out as 2 text message parts." in preview.content
    )
