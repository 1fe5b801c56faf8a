"""A new confirmation link on request: the same answer whether or not the address waits for one, the old
link stops working, and the requests are rate-limited per address and per client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from core.compliance.consents import GENERIC_NOTICE_VERSION
from core.patients.models import PatientAccount
from portal_site.models import PortalRegistration
from portal_site.views import RESEND_PER_ADDRESS, RESEND_PER_CLIENT
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def fresh_counters():
    """Rate-limit counters live in the shared cache: each test starts with none."""
    cache.clear()


def register(client, clinic, email="nora@example.test"):
    return client.post(
        f"/c/{clinic.slug}/account/register/",
        {
            "given_name": "Nora",
            "family_name": "New",
            "date_of_birth": "1990-04-02",
            "email": email,
            "phone": "",
            "password": PASSWORD,
            "accept_notice": "on",
            "notice_version": GENERIC_NOTICE_VERSION,
        },
    )


def link_in(message) -> str:
    line = next(line for line in message.body.splitlines() if "/account/verify/" in line)
    return line.replace("http://testserver", "")


def neutral_part(body: str) -> str:
    start = body.index('role="status"')
    return body[start : body.index("</p>", start)]


def test_same_answer_for_a_waiting_and_an_unknown_address(alpha):
    client = Client()
    register(client, alpha.clinic)
    url = f"/c/{alpha.clinic.slug}/account/resend-link/"
    sent_before = len(mail.outbox)
    waiting = client.post(url, {"email": "Nora@Example.test"})
    unknown = client.post(url, {"email": "nobody@example.test"})
    assert waiting.status_code == unknown.status_code == 200
    assert neutral_part(waiting.content.decode()).replace("nora@example.test", "X") == neutral_part(
        unknown.content.decode()
    ).replace("nobody@example.test", "X")
    # Only the waiting address gets mail.
    assert [m.to for m in mail.outbox[sent_before:]] == [["nora@example.test"]]


def test_new_link_replaces_the_old_one_and_restarts_its_lifetime(alpha):
    client = Client()
    register(client, alpha.clinic)
    old_link = link_in(mail.outbox[-1])
    with scopes_disabled():
        PortalRegistration.objects.filter(user__email="nora@example.test").update(
            created_at=timezone.now() - timedelta(days=10)
        )
    expired = client.get(old_link)
    assert expired.status_code == 400 and "account/resend-link/" in expired.content.decode()

    client.post(f"/c/{alpha.clinic.slug}/account/resend-link/", {"email": "nora@example.test"})
    new_link = link_in(mail.outbox[-1])
    assert new_link != old_link
    assert client.get(old_link).status_code == 400
    assert client.get(new_link).status_code == 302
    with scopes_disabled():
        assert PatientAccount.objects.filter(user__email="nora@example.test").count() == 1


def test_verified_registration_gets_no_new_link(alpha):
    client = Client()
    register(client, alpha.clinic)
    client.get(link_in(mail.outbox[-1]))
    sent_before = len(mail.outbox)
    response = Client().post(f"/c/{alpha.clinic.slug}/account/resend-link/", {"email": "nora@example.test"})
    assert response.status_code == 200 and len(mail.outbox) == sent_before


def test_another_clinics_registration_is_not_renewed(alpha, beta):
    register(Client(), alpha.clinic)
    sent_before = len(mail.outbox)
    response = Client().post(f"/c/{beta.clinic.slug}/account/resend-link/", {"email": "nora@example.test"})
    assert response.status_code == 200 and len(mail.outbox) == sent_before


def test_requests_are_rate_limited_per_address_and_per_client(alpha):
    register(Client(), alpha.clinic)
    url = f"/c/{alpha.clinic.slug}/account/resend-link/"
    client = Client(REMOTE_ADDR="198.51.100.7")
    sent_before = len(mail.outbox)
    for _ in range(RESEND_PER_ADDRESS):
        assert client.post(url, {"email": "nora@example.test"}).status_code == 200
    limited = client.post(url, {"email": "nora@example.test"})
    assert limited.status_code == 429 and "Too many requests" in limited.content.decode()
    assert len(mail.outbox) == sent_before + RESEND_PER_ADDRESS
    # An unknown address is limited the same way: being limited tells nothing about accounts.
    for _ in range(RESEND_PER_ADDRESS):
        client.post(url, {"email": "nobody@example.test"})
    assert client.post(url, {"email": "nobody@example.test"}).status_code == 429
    # One client trying many addresses is stopped too.
    other = Client(REMOTE_ADDR="198.51.100.8")
    codes = [
        other.post(url, {"email": f"p{n}@example.test"}).status_code for n in range(RESEND_PER_CLIENT + 1)
    ]
    assert codes[:RESEND_PER_CLIENT] == [200] * RESEND_PER_CLIENT and codes[-1] == 429


def test_bad_email_is_a_form_error(alpha):
    response = Client().post(f"/c/{alpha.clinic.slug}/account/resend-link/", {"email": "not an email"})
    assert response.status_code == 400 and "valid email" in response.content.decode()
