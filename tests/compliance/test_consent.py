"""Consent at sign-up, recorded with the version agreed to and the time: patients opening a portal account
agree to the practice's privacy notice (its country's patients' rights text), members to the service's
terms."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from core.accounts.models import User
from core.compliance.consents import GENERIC_NOTICE_VERSION
from core.compliance.models import PrivacyNoticeConsent, ServiceConsent
from core.tenancy.models import Organization
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "given_name": "Nora",
    "family_name": "New",
    "date_of_birth": "1990-04-02",
    "email": "nora@example.test",
    "phone": "",
    "password": PASSWORD,
}


def test_the_portal_shows_the_countrys_notice_and_records_the_version_agreed_to(alpha):
    with scopes_disabled():
        Organization.objects.filter(pk=alpha.org.pk).update(country="FR")
    url = f"/c/{alpha.clinic.slug}/account/register/"
    page = Client().get(url).content.decode()
    assert 'data-version="FR-2026-01"' in page and "CNIL" in page

    refused = Client().post(url, {**REGISTRATION, "notice_version": "FR-2026-01"})
    assert refused.status_code == 400 and "Agree to the privacy notice" in refused.content.decode()
    # A notice that changed while the form was open is shown again, not silently agreed to.
    stale = Client().post(
        url, {**REGISTRATION, "accept_notice": "on", "notice_version": GENERIC_NOTICE_VERSION}
    )
    assert stale.status_code == 400 and "has changed since this page was opened" in stale.content.decode()

    Client().post(url, {**REGISTRATION, "accept_notice": "on", "notice_version": "FR-2026-01"})
    with scopes_disabled():
        [consent] = PrivacyNoticeConsent.objects.filter(organization=alpha.org)
    assert consent.user.email == "nora@example.test" and consent.version == "FR-2026-01"
    assert consent.given_at is not None


def test_a_practice_without_a_country_shows_the_general_notice(alpha):
    url = f"/c/{alpha.clinic.slug}/account/register/"
    assert f'data-version="{GENERIC_NOTICE_VERSION}"' in Client().get(url).content.decode()
    Client().post(url, {**REGISTRATION, "accept_notice": "on", "notice_version": GENERIC_NOTICE_VERSION})
    with scopes_disabled():
        assert PrivacyNoticeConsent.objects.get(organization=alpha.org).version == GENERIC_NOTICE_VERSION


def test_members_agree_to_the_service_terms_at_sign_up(db, settings):
    settings.EHR_SERVICE_TERMS_VERSION = "2027-03"
    signup = {
        "full_name": "Nora New",
        "email": "nora@example.test",
        "password": "a-very-good-passphrase",
        "organization_name": "Nora Physio",
        "clinic_name": "Nora Physio Centre",
        "timezone": "Europe/Paris",
        "currency": "EUR",
    }
    refused = Client().post("/accounts/signup/", signup)
    assert refused.status_code == 400 and "Agree to the terms" in refused.content.decode()
    assert not User.objects.filter(email="nora@example.test").exists()
    Client().post("/accounts/signup/", {**signup, "accept_terms": "on"})
    [consent] = ServiceConsent.objects.filter(user__email="nora@example.test")
    assert consent.version == "2027-03"
