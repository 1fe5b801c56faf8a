"""Emailed links start at the platform's address (settings.EHR_BASE_URL), never at the request's Host, and
a clinic's own domain serves its portal only: staff routes (/accounts/, /office/, /api/, /cms/) are 404.

Beta's verified domain is served by the same app; before this rule, a password reset for Alpha's owner
asked for through Beta's domain mailed Alpha's owner a reset link on Beta's domain.
"""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from core.compliance.consents import GENERIC_NOTICE_VERSION
from core.domains.models import ClinicDomain
from portal_site.routing import clinic_portal_url
from tests.conftest import client_for
from tests.factories import PASSWORD

PLATFORM = "https://ehr.example.test"
BETA_DOMAIN = "www.beta-clinic.test"


@pytest.fixture
def platform_address(settings):
    settings.EHR_BASE_URL = PLATFORM


@pytest.fixture
def beta_domain(beta):
    with scopes_disabled():
        ClinicDomain.objects.create(
            organization=beta.org, clinic=beta.clinic, hostname=BETA_DOMAIN, verified_at=timezone.now()
        )
    return BETA_DOMAIN


def links_in(message) -> list[str]:
    return [word for word in message.body.split() if word.startswith("http")]


def test_password_reset_through_another_clinics_domain_does_not_exist(alpha, beta_domain, platform_address):
    response = Client().post("/accounts/password/reset/", {"email": alpha.owner.email}, HTTP_HOST=beta_domain)
    assert response.status_code == 404
    assert mail.outbox == []


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/password/reset/",
        "/accounts/signup/",
        "/accounts/security/",
        "/office/",
        "/api/v1/me/tokens",
        "/api/v1/docs",
        "/cms/",
        "/cms/login/",
    ],
)
def test_staff_routes_are_not_found_on_a_clinic_domain(alpha, beta_domain, path):
    assert Client().get(path, HTTP_HOST=beta_domain).status_code == 404
    # A signed-in member's session changes nothing.
    assert client_for(alpha.owner).get(path, HTTP_HOST=beta_domain).status_code == 404


def test_portal_sign_in_stays_on_the_clinic_domain(beta, beta_domain):
    response = Client().get("/account/login/", HTTP_HOST=beta_domain)
    assert response.status_code == 200
    assert beta.clinic.name in response.content.decode()


def test_password_reset_link_is_on_the_platform_whatever_the_host(alpha, platform_address):
    Client().post("/accounts/password/reset/", {"email": alpha.owner.email}, HTTP_HOST="attacker.test")
    [message] = mail.outbox
    [link] = links_in(message)
    assert link.startswith(f"{PLATFORM}/accounts/password/reset/")
    assert "attacker.test" not in message.body


def test_invitation_links_are_on_the_platform_whatever_the_host(
    alpha, platform_address, django_capture_on_commit_callbacks
):
    owner = client_for(alpha.owner)
    with django_capture_on_commit_callbacks(execute=True):
        office = owner.post(
            "/office/settings/members/invite/",
            {"email": "office.invite@example.test", "role": "staff", "clinics": [alpha.clinic.pk]},
            HTTP_HOST="attacker.test",
        )
        api = owner.post(
            "/api/v1/invitations",
            data=json.dumps(
                {"email": "api.invite@example.test", "role": "staff", "clinic_ids": [alpha.clinic.pk]}
            ),
            content_type="application/json",
            HTTP_HOST="attacker.test",
        )
    assert office.status_code == 302, office.content[:500]
    assert api.status_code == 201, api.content
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        [link] = links_in(message)
        assert link.startswith(f"{PLATFORM}/accounts/invitations/")


def test_portal_confirmation_link_is_on_the_clinics_own_address(alpha, beta, beta_domain, platform_address):
    registration = {
        "given_name": "Nora",
        "family_name": "New",
        "date_of_birth": "1990-04-02",
        "phone": "",
        "password": PASSWORD,
        "accept_notice": "on",
        "notice_version": GENERIC_NOTICE_VERSION,
    }
    # Registered at Alpha's /c/<slug>/ address through a forged Host: the link is on the platform.
    Client().post(
        f"/c/{alpha.clinic.slug}/account/register/",
        {**registration, "email": "nora@example.test"},
        HTTP_HOST="attacker.test",
    )
    [link] = links_in(mail.outbox[-1])
    assert link.startswith(f"{PLATFORM}/c/{alpha.clinic.slug}/account/verify/")
    # Registered on Beta's own domain: the link is on that domain, as recorded for Beta's clinic.
    Client().post("/account/register/", {**registration, "email": "noor@example.test"}, HTTP_HOST=beta_domain)
    [link] = links_in(mail.outbox[-1])
    assert link.startswith(f"https://{BETA_DOMAIN}/account/verify/")
    with scopes_disabled():
        assert clinic_portal_url(beta.clinic, "account/") == f"https://{BETA_DOMAIN}/account/"
