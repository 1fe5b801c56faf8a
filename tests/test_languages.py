"""Who chooses the language: the person's profile first, then a switcher's cookie, then the browser, then
the organization's default; emails go in the recipient's language; dates read in the clinic's zone and the
reader's language (the test server runs in another zone than the clinics')."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from core.accounts.language import recipient_language, shipped
from core.tenancy.clinic_time import clinic_time

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def server_far_from_every_clinic(settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"


def office_html(client, **headers) -> str:
    response = client.get("/office/", **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_persons_own_language_wins_over_the_browser_and_the_organization(alpha, login):
    alpha.org.default_locale = "fr"
    alpha.org.save()
    alpha.staff.preferred_language = "de"
    alpha.staff.save()
    html = office_html(login(alpha.staff), HTTP_ACCEPT_LANGUAGE="es")
    assert '<html lang="de" dir="ltr"' in html
    assert "Abmelden" in html  # "Sign out"


def test_without_a_choice_the_browser_then_the_organization_decides(alpha, login):
    alpha.org.default_locale = "fr"
    alpha.org.save()
    client = login(alpha.staff)
    assert "Se déconnecter" in office_html(client)
    assert "Cerrar sesión" in office_html(client, HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert "Se déconnecter" in office_html(client, HTTP_ACCEPT_LANGUAGE="pt-BR")  # not shipped


def test_arabic_pages_are_right_to_left(alpha, login):
    alpha.staff.preferred_language = "ar"
    alpha.staff.save()
    response = login(alpha.staff).get("/office/")
    assert '<html lang="ar" dir="rtl"' in response.content.decode()
    assert response["Content-Language"] == "ar"


def test_the_switcher_remembers_the_choice_on_the_account(alpha, login):
    client = login(alpha.staff)
    response = client.post("/accounts/language/", {"language": "es", "next": "/office/"})
    assert response.status_code == 302 and response["Location"] == "/office/"
    alpha.staff.refresh_from_db()
    assert alpha.staff.preferred_language == "es"
    assert response.cookies["django_language"].value == "es"
    assert "Cerrar sesión" in office_html(client)


def test_the_switcher_refuses_an_unknown_language_and_a_foreign_address(alpha, login):
    client = login(alpha.staff)
    response = client.post("/accounts/language/", {"language": "xx", "next": "https://evil.test/"})
    assert response["Location"] == "/"
    alpha.staff.refresh_from_db()
    assert alpha.staff.preferred_language == ""
    page = client.get("/office/").content.decode()
    assert "Choose one of the languages offered." in page


def test_a_signed_out_visitor_chooses_with_a_cookie():
    client = Client()
    response = client.post("/accounts/language/", {"language": "de", "next": "/accounts/login/"})
    assert response.cookies["django_language"].value == "de"
    assert "Passwort vergessen?" in client.get("/accounts/login/").content.decode()


def test_password_reset_email_goes_in_the_account_owners_language(alpha):
    alpha.staff.preferred_language = "fr"
    alpha.staff.save()
    Client().post("/accounts/password/reset/", {"email": alpha.staff.email}, HTTP_ACCEPT_LANGUAGE="de")
    assert len(mail.outbox) == 1
    assert "Clinic EHR" in mail.outbox[0].body
    assert "Choisissez un nouveau mot de passe" in mail.outbox[0].body


def test_recipient_language_falls_back_through_the_places():
    assert recipient_language("", "de-AT", "fr") == "de"
    assert recipient_language("pt", None) == "en"
    assert shipped("AR") == "ar" and shipped("zz") is None


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "6. Dezember 2026 09:30"),
        ("fr", "6 décembre 2026 09:30"),
        ("es", "6 de diciembre de 2026 a las 09:30"),
    ],
)
def test_a_moment_reads_on_the_clinics_wall_clock_in_the_readers_language(
    alpha, settings, language, expected
):
    assert settings.TIME_ZONE == "Pacific/Kiritimati"
    moment = datetime(2026, 12, 6, 8, 30, tzinfo=ZoneInfo("UTC"))  # 09:30 in Berlin
    with translation.override(language):
        assert clinic_time(moment, "Europe/Berlin") == expected
