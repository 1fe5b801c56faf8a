"""The terms a person agrees to at sign-up can be read: the shipped text under the recorded version, or the
operator's own when it publishes them elsewhere."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_shipped_terms_show_the_version_agreed_to(settings):
    settings.EHR_SERVICE_TERMS_VERSION = "2027-03"
    settings.EHR_SERVICE_TERMS_URL = ""
    page = Client().get("/accounts/terms/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Terms of service" in body and "Version 2027-03" in body
    assert "controller" in body and "processor" in body


def test_signing_up_links_to_the_terms(settings):
    settings.EHR_SERVICE_TERMS_URL = ""
    body = Client().get("/accounts/signup/").content.decode()
    assert 'href="/accounts/terms/"' in body


def test_an_operators_own_terms_are_where_the_page_and_the_form_send_readers(settings):
    settings.EHR_SERVICE_TERMS_URL = "https://ehr.example.com/terms/"
    assert Client().get("/accounts/terms/").headers["Location"] == "https://ehr.example.com/terms/"
    assert 'href="https://ehr.example.com/terms/"' in Client().get("/accounts/signup/").content.decode()


def test_the_terms_read_in_the_readers_language():
    body = Client(headers={"accept-language": "de"}).get("/accounts/terms/").content.decode()
    assert '<html lang="de"' in body and "Terms of service" not in body
