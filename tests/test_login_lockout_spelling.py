"""A login locked by django-axes stays locked however its email is written: surrounding spaces, case and
Unicode compatibility forms all count as the same login, in the back office and on the portal."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from core.accounts.usernames import axes_username, login_key
from tests.factories import PASSWORD

OFFICE = "/accounts/login/"


def portal_login(clinic) -> str:
    return f"/c/{clinic.slug}/account/login/"


def spellings(email: str) -> list[str]:
    local, domain = email.split("@")
    return [email, email.upper(), f"{local.capitalize()}@{domain}", f"  {email.upper()}  "]


def test_login_key_trims_folds_case_and_compatibility_forms():
    assert login_key("  DOCTOR@Beta.test ") == "doctor@beta.test"
    assert login_key("ｄｏｃｔｏｒ@beta.test") == "doctor@beta.test"  # full-width letters
    assert login_key("Straße@beta.test") == login_key("STRASSE@beta.test")
    assert axes_username(None, {"username": " Doctor@BETA.test"}) == "doctor@beta.test"


@pytest.mark.parametrize("page", ["office", "portal"])
def test_a_locked_login_refuses_every_spelling_of_its_email(beta, settings, page):
    url = OFFICE if page == "office" else portal_login(beta.clinic)
    email = beta.practitioner.email
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": email, "password": "wrong-password-1"})
    for spelling in spellings(email):
        response = Client().post(url, {"username": spelling, "password": PASSWORD})
        assert "_auth_user_id" not in response.client.session, spelling
        assert "Too many failed sign-in attempts" in response.content.decode(), spelling
        assert response.status_code == 429
    # One counter for the login, not one per spelling.
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [email]


@pytest.mark.parametrize("page", ["office", "portal"])
def test_failures_under_different_spellings_add_up(beta, settings, page):
    url = OFFICE if page == "office" else portal_login(beta.clinic)
    email = beta.practitioner.email
    variants = spellings(email)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        Client().post(url, {"username": variants[attempt % len(variants)], "password": "wrong-password-1"})
    response = Client().post(url, {"username": email, "password": PASSWORD})
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_any_spelling_signs_in_while_the_login_is_not_locked(beta):
    for spelling in spellings(beta.practitioner.email):
        assert Client().post(OFFICE, {"username": spelling, "password": PASSWORD}).status_code == 302
