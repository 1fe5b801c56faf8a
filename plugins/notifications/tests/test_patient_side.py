"""The patient's side: online requests acknowledged then answered, message preferences in the portal, the
unsubscribe link in every email, and consent or channel changes honoured when a waiting message goes out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from core.tenancy.services import set_module_enabled
from plugins.notifications import unsubscribe
from plugins.notifications.models import Channel, MessageType, PatientPreference, Status
from plugins.notifications.services.delivery import send_due
from plugins.notifications.services.patient_messages import notify_patient
from plugins.notifications.services.resend import retry
from plugins.scheduling.services.status import approve_request, cancel, decline_request
from plugins.scheduling.tests.conftest import MONDAY
from tests.factories import PASSWORD, link_patient_login, make_patient, make_user

from .conftest import at
from .helpers import book, configure, outbox

pytestmark = pytest.mark.django_db


def portal_client(t, email=None):
    """The tenant's patient signed in to the clinic's portal."""
    email = email or t.patient.email
    with scope(organization=t.org.pk):
        link_patient_login(t.patient, make_user(email))
    client = Client()
    response = client.post(f"/c/{t.clinic.slug}/account/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def page_url(t):
    return f"/c/{t.clinic.slug}/account/notifications/"


def link_in(body: str) -> str:
    return re.search(r"(http://\S+/public/notifications/unsubscribe/\S+/)", body).group(1)


def path_of(link: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(link).path


# --- online requests ------------------------------------------------------------------------------------


def test_online_request_is_acknowledged_then_approved(sched, django_capture_on_commit_callbacks):
    request = book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks, channel="portal")
    assert request.status == "requested"
    assert [m.subject for m in mail.outbox] == ["We received your appointment request"]
    assert "not confirmed until then" in mail.outbox[0].body
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        approve_request(request)
    assert mail.outbox[1].subject == "Your appointment request was accepted"
    assert [(r.message_type, r.status) for r in outbox(sched)] == [
        (MessageType.REQUEST_RECEIVED, Status.SENT),
        (MessageType.REQUEST_APPROVED, Status.SENT),
    ]


def test_online_request_declined(sched, django_capture_on_commit_callbacks):
    request = book(sched, at(MONDAY, 10), django_capture_on_commit_callbacks, channel="portal")
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        decline_request(request, reason="The doctor is away that day.")
    assert [r.message_type for r in outbox(sched)] == [
        MessageType.REQUEST_RECEIVED,
        MessageType.REQUEST_DECLINED,
    ]
    assert "The doctor is away that day." in mail.outbox[1].body


def test_request_received_in_the_patients_language(sched, django_capture_on_commit_callbacks):
    sched.patient.preferred_language = "de"
    sched.patient.save()
    book(sched, at(MONDAY, 11), django_capture_on_commit_callbacks, channel="portal")
    assert mail.outbox[0].subject == "Wir haben Ihre Terminanfrage erhalten"


# --- the portal page ------------------------------------------------------------------------------------


def test_preferences_page_saves_choices_and_consent(sched, django_capture_on_commit_callbacks):
    configure(sched, sms_enabled=True, quiet_hours_start=None, quiet_hours_end=None)
    client = portal_client(sched)
    assert (
        f'href="/c/{sched.clinic.slug}/account/notifications/"'.encode()
        in client.get(f"/c/{sched.clinic.slug}/account/").content
    )  # the account menu entry
    page = client.get(page_url(sched))
    assert page.status_code == 200 and b'data-testid="message-preferences"' in page.content
    assert b"Appointment reminder" in page.content and b"Low stock" not in page.content
    assert b"Add your mobile number" in page.content  # SMS is offered, but the patient has no number
    # Everything on except reminders by email; text messages agreed to.
    data = {"consent_email": "on", "consent_sms": "on"}
    for value in MessageType.values:
        if value not in ("stock_low", "lots_expiring"):
            data[f"{value}__email"] = "on"
            data[f"{value}__sms"] = "on"
    del data["appointment_reminder__email"]
    del data["appointment_booked__email"]
    response = client.post(page_url(sched), data)
    assert response.status_code == 302 and response["Location"] == page_url(sched)
    with scope(organization=sched.org.pk):
        sched.patient.refresh_from_db()
        assert sched.patient.consent_sms and sched.patient.consent_email
        reminder = PatientPreference.objects.get(
            organization=sched.org, patient=sched.patient, message_type="appointment_reminder"
        )
        assert (reminder.email, reminder.sms) == (False, True)
    assert "saved" in client.get(page_url(sched)).content.decode()
    # The sending code honours it: no confirmation email, everything else still goes out.
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    assert outbox(sched, channel=Channel.EMAIL) == [] and mail.outbox == []


def test_preferences_page_offers_only_the_clinics_channels(sched):
    client = portal_client(sched)
    page = client.get(page_url(sched)).content.decode()
    assert "appointment_booked__email" in page and "appointment_booked__sms" not in page
    assert "consent_sms" not in page
    # Posting without the SMS switches leaves the patient's SMS choices and consent alone.
    sched.patient.consent_sms = True
    sched.patient.save()
    assert client.post(page_url(sched), {"consent_email": "on"}).status_code == 302
    with scope(organization=sched.org.pk):
        sched.patient.refresh_from_db()
        assert sched.patient.consent_sms and sched.patient.consent_email
        pref = PatientPreference.objects.get(
            organization=sched.org, patient=sched.patient, message_type="appointment_booked"
        )
        assert (pref.email, pref.sms) == (False, True)
    configure(sched, email_enabled=False, sms_enabled=False)
    assert b"does not send email or text messages" in client.get(page_url(sched)).content


def test_preferences_page_gates(sched, beta):
    anonymous = Client().get(page_url(sched))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(f"/c/{sched.clinic.slug}/account/login/")
    client = portal_client(sched)
    # A login with no patient record at the other organization's clinic: the portal's "not registered".
    other = client.get(page_url(beta))
    assert other.status_code == 403 and beta.patient.family_name.encode() not in other.content
    with scope(organization=sched.org.pk):
        set_module_enabled(sched.clinic, "notifications", False)
    assert client.get(page_url(sched)).status_code == 404
    assert "account/notifications/" not in client.get(f"/c/{sched.clinic.slug}/account/").content.decode()


def test_a_patient_changes_only_their_own_preferences(sched):
    with scope(organization=sched.org.pk):
        neighbour = make_patient(sched.clinic, "Nina", "Neighbour", email="nina@alpha.test")
    client = portal_client(sched)
    client.post(page_url(sched), {"consent_email": "on", "patient": neighbour.pk})
    with scope(organization=sched.org.pk):
        assert not PatientPreference.objects.filter(organization=sched.org, patient=neighbour).exists()
        assert PatientPreference.objects.filter(organization=sched.org, patient=sched.patient).exists()


# --- the unsubscribe link -------------------------------------------------------------------------------


def test_every_patient_email_carries_a_working_unsubscribe_link(sched, django_capture_on_commit_callbacks):
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    [email] = mail.outbox
    link = link_in(email.body)
    assert email.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in email.alternatives[0][0]  # the HTML part too
    path = path_of(link)
    page = Client().get(path)
    assert (
        page.status_code == 200
        and b"Stop receiving" in page.content
        and b"Appointment confirmed" in page.content
    )
    # Mail programs' one-click unsubscribe posts without a CSRF token.
    done = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and b"will no longer email you" in done.content
    with scope(organization=sched.org.pk):
        pref = PatientPreference.objects.get(
            organization=sched.org, patient=sched.patient, message_type="appointment_booked"
        )
        assert (pref.email, pref.sms) == (False, True)
    mail.outbox.clear()
    book(sched, at(MONDAY, 10), django_capture_on_commit_callbacks)  # another confirmation: not emailed
    assert mail.outbox == []
    with scope(organization=sched.org.pk), django_capture_on_commit_callbacks(execute=True):
        cancel(scheduling_appointment(sched), by_patient=True)
    assert [m.subject.split(" on ")[0] for m in mail.outbox] == ["Your appointment"]  # other kinds still go


def scheduling_appointment(t):
    from django.apps import apps

    with scope(organization=t.org.pk):
        return apps.get_model("scheduling", "Appointment").objects.filter(organization=t.org).latest("pk")


def test_unsubscribe_refuses_forged_altered_and_switched_off(sched, beta):
    with scope(organization=sched.org.pk):
        token = unsubscribe.token_for(sched.clinic, sched.patient, "appointment_reminder")
    client = Client()
    assert client.get(f"/public/notifications/unsubscribe/{token}/").status_code == 200
    assert client.get("/public/notifications/unsubscribe/no-such-secret/").status_code == 404
    altered = token.replace(token[3], "A" if token[3] != "A" else "B", 1)
    assert client.post(f"/public/notifications/unsubscribe/{altered}/").status_code == 404
    # A token for a patient of another organization signed with this clinic's ids names nothing real.
    from django.core import signing

    crossed = signing.dumps(
        [sched.org.pk, sched.clinic.pk, beta.patient.pk, "appointment_reminder"], salt=unsubscribe.SALT
    )
    assert client.post(f"/public/notifications/unsubscribe/{crossed}/").status_code == 404
    team = signing.dumps(
        [sched.org.pk, sched.clinic.pk, sched.patient.pk, "stock_low"], salt=unsubscribe.SALT
    )
    assert client.get(f"/public/notifications/unsubscribe/{team}/").status_code == 404
    with scope(organization=sched.org.pk):
        set_module_enabled(sched.clinic, "notifications", False)
    assert client.post(f"/public/notifications/unsubscribe/{token}/").status_code == 404
    with scope(organization=beta.org.pk):
        assert not PatientPreference.objects.filter(organization=beta.org).exists()
    with scope(organization=sched.org.pk):
        assert not PatientPreference.objects.filter(organization=sched.org).exists()


# --- consent and channel settings at delivery time ------------------------------------------------------


def text_patient(t):
    t.patient.consent_sms = True
    t.patient.phone = "+12125550123"
    t.patient.save()


def test_opting_out_while_a_text_waits_for_quiet_hours_stops_it(sched, sms_provider):
    from datetime import datetime, time

    text_patient(sched)
    configure(sched, sms_enabled=True, quiet_hours_start=time(21), quiet_hours_end=time(8))
    night = datetime(2026, 1, 10, 3, 0, tzinfo=sched.clinic.tzinfo)
    with scope(organization=sched.org.pk):
        made = notify_patient(
            sched.clinic, sched.patient, MessageType.APPOINTMENT_REMINDER, key="t:1", context={}, now=night
        )
    sms_row = next(m for m in made if m.channel == Channel.SMS)
    assert sms_row.status == Status.QUEUED and sms_row.next_attempt_at == night.replace(hour=8)
    client = portal_client(sched)
    client.post(page_url(sched), {"consent_email": "on", "consent_sms": "on"})  # every SMS switch off
    configure(sched, quiet_hours_start=None, quiet_hours_end=None)
    with scope(organization=sched.org.pk):
        send_due(sched.clinic, now=timezone.now() + timedelta(days=1))
    [row] = outbox(sched, channel=Channel.SMS)
    assert row.status == Status.SKIPPED and "no longer wants" in row.last_error
    assert sms_provider.requests == []


def test_a_channel_switched_off_stops_waiting_messages_and_retries(sched, smtp):
    smtp.stop()
    with scope(organization=sched.org.pk):
        notify_patient(sched.clinic, sched.patient, MessageType.PAYMENT_RECEIPT, key="t:2", context={})
    [row] = outbox(sched)
    configure(sched, email_enabled=False)
    with scope(organization=sched.org.pk):
        send_due(sched.clinic, now=timezone.now() + timedelta(minutes=5))
    [row] = outbox(sched)
    assert row.status == Status.SKIPPED and "no longer sends" in row.last_error
    row.status = Status.FAILED
    with scope(organization=sched.org.pk):
        row.save()
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="no longer sends"):
            retry(row)


def test_unsubscribe_follows_a_merged_record(sched):
    from core.patients.services import merge_patients

    with scope(organization=sched.org.pk):
        duplicate = make_patient(sched.clinic, "Erin", "Duplicate", email="erin2@alpha.test")
        token = unsubscribe.token_for(sched.clinic, duplicate, "invoice_issued")
        merge_patients(sched.patient, duplicate)
    assert Client().post(f"/public/notifications/unsubscribe/{token}/").status_code == 200
    with scope(organization=sched.org.pk):
        kept = PatientPreference.objects.get(organization=sched.org, message_type="invoice_issued")
        assert kept.patient_id == sched.patient.pk and kept.email is False


@pytest.fixture
def back_to_english():
    """The test client leaves the last request's language active in the thread; later tests expect English."""
    from django.utils import translation

    yield
    translation.activate("en")


def test_german_patients_read_german_pages_and_footers(
    sched, django_capture_on_commit_callbacks, back_to_english
):
    sched.patient.preferred_language = "de"
    sched.patient.save()
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    body = mail.outbox[0].body
    assert "Sie erhalten diese Nachricht, weil Sie Patientin oder Patient von" in body
    assert "Diese E-Mails abbestellen: http" in body
    client = portal_client(sched)
    page = client.get(page_url(sched), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert (
        "Welche Nachrichten" in page and "Terminerinnerung" in page and "Ich möchte E-Mails erhalten" in page
    )
    stop = Client().get(path_of(link_in(body)), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "E-Mails der Art „Terminbestätigung“" in stop
