"""An organization's "require two-factor sign-in" covers API tokens: the tokens of a member without an
authenticator app stop working, and creating a token needs a code given within RECENT_SECOND_FACTOR."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from core.accounts.models import ApiToken
from core.accounts.second_factor import RECENT_SECOND_FACTOR, VERIFIED_AT_KEY
from core.tenancy.models import Organization
from tests.factories import PASSWORD

from .conftest import Api, error_of

pytestmark = pytest.mark.django_db


def require_two_factor(organization) -> None:
    Organization.objects.filter(pk=organization.pk).update(require_two_factor=True)


def authenticator_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def signed_in_with_code(user, device) -> Client:
    """A session signed in through the login page and its second step, with the current code."""
    client = Client()
    assert client.post("/accounts/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    assert client.post("/accounts/login/verify/", {"token": code}).status_code == 302
    return client


def age_the_code(client, by) -> None:
    session = client.session
    session[VERIFIED_AT_KEY] = int((timezone.now() - by).timestamp())
    session.save()


def test_tokens_of_members_without_two_factor_stop_working_under_the_policy(alpha, token_api):
    with_app, without_app = alpha.owner, alpha.staff
    authenticator_for(with_app)
    with_app_api = token_api(with_app, alpha.org)
    without_app_api = token_api(without_app, alpha.org)
    assert without_app_api.get("/me").status_code == 200

    require_two_factor(alpha.org)
    refused = without_app_api.get("/me")
    assert refused.status_code == 403
    error = error_of(refused)
    assert error["code"] == "two_factor_required" and alpha.org.name in error["message"]
    assert with_app_api.get("/me").status_code == 200

    # Setting up an authenticator app makes the same token work again.
    authenticator_for(without_app)
    assert without_app_api.get("/me").status_code == 200


def test_creating_a_token_needs_a_recent_code_under_the_policy(alpha):
    device = authenticator_for(alpha.owner)
    require_two_factor(alpha.org)
    client = signed_in_with_code(alpha.owner, device)
    api = Api(client)

    created = api.post("/tokens", {"name": "fresh code"})
    assert created.status_code == 201, created.content

    age_the_code(client, RECENT_SECOND_FACTOR + timedelta(minutes=1))
    refused = api.post("/tokens", {"name": "stale code"})
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "recent_two_factor_required"
    with scopes_disabled():
        names = list(ApiToken.objects.filter(user=alpha.owner).values_list("name", flat=True))
    assert names == ["fresh code"]

    # The office page refuses the same way, and says where to give a fresh code.
    page = client.post("/office/settings/api-tokens/", {"name": "stale code"})
    assert page.status_code == 400
    assert "/accounts/security/two-factor/confirm/" in page.content.decode()
    with scopes_disabled():
        assert ApiToken.objects.filter(user=alpha.owner).count() == 1

    # A fresh code at the confirmation page allows it again.
    device.refresh_from_db()
    device.last_t = -1  # the sign-in code may still be the current one: allow it again for this test
    device.save()
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    confirmed = client.post(
        "/accounts/security/two-factor/confirm/", {"token": code, "next": "/office/settings/api-tokens/"}
    )
    assert confirmed.status_code == 302 and confirmed["Location"] == "/office/settings/api-tokens/"
    assert api.post("/tokens", {"name": "after confirming"}).status_code == 201


def test_a_code_within_the_window_still_counts(alpha):
    device = authenticator_for(alpha.owner)
    require_two_factor(alpha.org)
    client = signed_in_with_code(alpha.owner, device)
    age_the_code(client, RECENT_SECOND_FACTOR - timedelta(minutes=1))
    assert Api(client).post("/tokens", {"name": "nearly stale"}).status_code == 201


def test_without_the_policy_a_token_is_created_without_a_code(alpha, api):
    assert api(alpha.owner).post("/tokens", {"name": "no policy"}).status_code == 201
