"""Portal registration does not tell who has an account, and a new login cannot sign in until its email
link is followed."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client
from django_scopes import scopes_disabled

from core.accounts.models import User
from portal_site.models import PortalRegistration
from tests.factories import PASSWORD

from .test_portal import register, verify_from_mail


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def page_text(response, email: str) -> str:
    """The page with the address given and the per-request CSRF token (the language switcher's) taken out."""
    text = response.content.decode().replace(email, "EMAIL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def test_a_new_login_cannot_sign_in_before_its_link_is_followed(alpha):
    client = Client()
    assert register(client, alpha.clinic).status_code == 200
    assert not signed_in(client)
    assert User.objects.get(email="nora@example.test").is_active is False
    login = f"/c/{alpha.clinic.slug}/account/login/"
    refused = Client().post(login, {"username": "nora@example.test", "password": PASSWORD})
    assert refused.status_code == 400 and not signed_in(refused.client)

    assert verify_from_mail(client).status_code == 302
    assert User.objects.get(email="nora@example.test").is_active is True
    accepted = Client().post(login, {"username": "nora@example.test", "password": PASSWORD})
    assert accepted.status_code == 302


def test_same_answer_whether_or_not_the_email_has_an_account(alpha, beta):
    other_tenants_staff = beta.practitioner.email
    new = register(Client(), alpha.clinic, email="nobody-yet@example.test")
    sent_before = len(mail.outbox)
    taken = register(Client(), alpha.clinic, email=other_tenants_staff, password="another-passphrase-42")
    assert new.status_code == taken.status_code == 200
    assert page_text(new, "nobody-yet@example.test") == page_text(taken, other_tenants_staff)
    # The owner of the existing login hears of the attempt; no link, login or registration is made.
    [notice] = mail.outbox[sent_before:]
    assert notice.to == [other_tenants_staff]
    assert "already has an account" in notice.body and "/account/verify/" not in notice.body
    user = User.objects.get(email=other_tenants_staff)
    assert user.check_password(PASSWORD)
    with scopes_disabled():
        assert not PortalRegistration.objects.filter(user=user).exists()


def test_an_unconfirmed_login_takes_the_newest_registration(alpha):
    register(Client(), alpha.clinic, password="first-passphrase-11")
    client = Client()
    register(client, alpha.clinic, password="second-passphrase-22")
    verify_from_mail(client)
    user = User.objects.get(email="nora@example.test")
    assert user.is_active and user.check_password("second-passphrase-22")
