"""The practice's privacy notice asked again when its version changes: a signed-in patient who has not
agreed to the version in force meets the notice before any account page or booking, agrees, and goes back
where they were; declining still lets them download their data, ask for erasure and sign out. The office
shows which version the patient last agreed to, and when."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from core.compliance.consents import GENERIC_NOTICE_VERSION
from core.compliance.models import PrivacyNoticeConsent
from core.tenancy.models import Organization
from tests.factories import PASSWORD, link_patient_login, make_user

pytestmark = pytest.mark.django_db


def portal_patient(tenant) -> Client:
    with scopes_disabled():
        link_patient_login(tenant.patient, make_user("reader@example.test"))
    client = Client()
    signed_in = client.post(
        f"/c/{tenant.clinic.slug}/account/login/",
        {"username": "reader@example.test", "password": PASSWORD},
    )
    assert signed_in.status_code == 302
    return client


def notice_changes(tenant, country="DE"):
    with scopes_disabled():
        Organization.objects.filter(pk=tenant.org.pk).update(country=country)


def consents(tenant):
    with scopes_disabled():
        return list(
            PrivacyNoticeConsent.objects.filter(organization=tenant.org, user__email="reader@example.test")
            .order_by("given_at")
            .values_list("version", flat=True)
        )


def test_an_agreed_notice_asks_nothing_and_a_changed_one_is_asked_on_the_next_account_page(alpha):
    client = portal_patient(alpha)
    base = f"/c/{alpha.clinic.slug}/"
    assert consents(alpha) == [GENERIC_NOTICE_VERSION]
    assert client.get(f"{base}account/").status_code == 200

    notice_changes(alpha)
    for page in ("account/", "account/appointments/", "account/access-history/", "account/records/"):
        asked = client.get(f"{base}{page}")
        assert asked.status_code == 302, page
        assert asked["Location"] == f"{base}account/privacy-notice/?next={base}{page}", page
    # Booking (a module's public page) waits for the agreement too.
    booking = client.get(f"{base}scheduling/confirm/?service=1")
    assert booking.status_code == 302 and "privacy-notice" in booking["Location"]

    shown = client.get(f"{base}account/privacy-notice/?next={base}account/records/")
    page = shown.content.decode()
    assert shown.status_code == 200
    assert "Our privacy notice has changed" in page and 'data-version="DE-2026-01"' in page
    assert "Art. 17" in page  # the German pack's text, in the page's language (English here)

    agreed = client.post(
        f"{base}account/privacy-notice/", {"notice_version": "DE-2026-01", "next": f"{base}account/records/"}
    )
    assert agreed.status_code == 302 and agreed["Location"] == f"{base}account/records/"
    assert consents(alpha) == [GENERIC_NOTICE_VERSION, "DE-2026-01"]
    assert client.get(f"{base}account/").status_code == 200


def test_a_notice_changed_while_the_page_was_open_is_shown_again_not_agreed(alpha):
    client = portal_patient(alpha)
    base = f"/c/{alpha.clinic.slug}/"
    notice_changes(alpha, "FR")
    stale = client.post(f"{base}account/privacy-notice/", {"notice_version": "DE-2026-01"})
    assert stale.status_code == 409
    assert 'data-version="FR-2026-01"' in stale.content.decode()
    assert consents(alpha) == [GENERIC_NOTICE_VERSION]
    # An address elsewhere is never followed after agreeing.
    agreed = client.post(
        f"{base}account/privacy-notice/", {"notice_version": "FR-2026-01", "next": "https://evil.test/"}
    )
    assert agreed["Location"] == f"{base}account/appointments/"


def test_declining_still_lets_the_patient_download_erase_and_sign_out(alpha):
    client = portal_patient(alpha)
    base = f"/c/{alpha.clinic.slug}/"
    notice_changes(alpha)
    assert client.get(f"{base}account/my-data.zip").status_code == 200
    assert client.get(f"{base}account/erasure/").status_code == 200
    assert client.post(f"{base}account/logout/").status_code == 302
    assert consents(alpha) == [GENERIC_NOTICE_VERSION]


def test_the_patient_page_shows_the_version_last_agreed_to_and_when(alpha, login):
    portal_patient(alpha)
    url = f"/office/patients/{alpha.patient.pk}/"
    for member in (alpha.owner, alpha.staff):
        page = login(member).get(url).content.decode()
        assert f"Agreed to version {GENERIC_NOTICE_VERSION} on" in page
    notice_changes(alpha)
    page = login(alpha.owner).get(url).content.decode()
    assert "asked again (now DE-2026-01)" in page
