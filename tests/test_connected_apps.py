"""A patient sees which apps can read their record and takes access back: the app's tokens stop working at
once, the step is kept in their security history, and no one else's app can be touched from their page."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled
from oauth2_provider.models import AccessToken, RefreshToken

from core.accounts.models import SecurityEvent
from tests.factories import PASSWORD, link_patient_login, make_org, make_patient, make_user
from tests.fhir.conftest import app_client

pytestmark = pytest.mark.django_db


def _portal_login(clinic, email) -> Client:
    client = Client()
    response = client.post(f"/c/{clinic.slug}/account/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def erin(alpha):
    with scopes_disabled():
        user = make_user("erin.apps@example.test")
        link_patient_login(alpha.patient, user)
    return user


def _app(alpha, user, scope="launch/patient patient/*.rs"):
    with scopes_disabled():
        fhir = app_client(alpha.org, user, "patient", scope)
        token = AccessToken.objects.filter(user=user).latest("id")
        RefreshToken.objects.create(
            user=user, application=token.application, token=f"r-{token.pk}", access_token=token
        )
    return fhir, token.application


def test_the_patient_sees_the_app_that_reads_their_record_and_takes_access_back(alpha, erin):
    fhir, application = _app(alpha, erin)
    assert fhir.get("Patient")[0] == 200
    portal = _portal_login(alpha.clinic, erin.email)

    page = portal.get(f"/c/{alpha.clinic.slug}/account/apps/").content.decode()
    assert application.name in page and alpha.org.name in page and "your whole record" in page

    with scopes_disabled():
        client_id = application.fhir_clients.get().pk
    response = portal.post(f"/c/{alpha.clinic.slug}/account/apps/", {"app": client_id})
    assert response.status_code == 302
    followed = portal.get(response["Location"]).content.decode()
    assert f"{application.name} can no longer read your record." in followed
    assert "No app can read your record." in followed
    assert fhir.get("Patient")[0] == 401  # the app's token stopped working at once
    assert not AccessToken.objects.filter(user=erin).exists()
    assert RefreshToken.objects.get(user=erin).revoked is not None
    assert SecurityEvent.objects.filter(user=erin, kind="app_access_revoked").count() == 1


def test_another_patients_app_cannot_be_touched(alpha, erin):
    with scopes_disabled():
        other = make_patient(alpha.clinic, "Olga", "Otherpatient")
        olga = make_user("olga.apps@example.test")
        link_patient_login(other, olga)
    _fhir, application = _app(alpha, olga)
    with scopes_disabled():
        client_id = application.fhir_clients.get().pk
    portal = _portal_login(alpha.clinic, erin.email)

    assert application.name not in portal.get(f"/c/{alpha.clinic.slug}/account/apps/").content.decode()
    assert portal.post(f"/c/{alpha.clinic.slug}/account/apps/", {"app": client_id}).status_code == 404
    assert portal.post(f"/c/{alpha.clinic.slug}/account/apps/", {"app": "nonsense"}).status_code == 404
    assert AccessToken.objects.filter(user=olga).exists()  # untouched


def test_an_app_of_another_organization_is_not_listed_on_this_login(alpha, erin):
    beta, _clinic = make_org("Beta")
    with scopes_disabled():
        foreign = app_client(beta, erin, "patient", "patient/*.rs")  # a token, but erin is not beta's patient
    assert foreign is not None
    page = (
        _portal_login(alpha.clinic, erin.email).get(f"/c/{alpha.clinic.slug}/account/apps/").content.decode()
    )
    assert "No app can read your record." in page


def test_signed_out_visitors_are_sent_to_sign_in(alpha):
    response = Client().get(f"/c/{alpha.clinic.slug}/account/apps/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_what_an_app_may_read_is_said_in_words(alpha, erin):
    _app(alpha, erin, scope="launch/patient patient/Appointment.rs patient/Observation.rs")
    page = (
        _portal_login(alpha.clinic, erin.email).get(f"/c/{alpha.clinic.slug}/account/apps/").content.decode()
    )
    assert "your appointments, your vital signs" in page
