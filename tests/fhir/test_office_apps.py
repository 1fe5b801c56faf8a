"""Settings → Connected apps: owners register the organization's FHIR apps, and removing one ends its
access at once."""

import re

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from core.fhir.models import FhirClient

URL = "/office/settings/fhir-apps/"


@pytest.mark.django_db
def test_owner_registers_and_removes_an_app(alpha, login):
    owner = login(alpha.owner)
    page = owner.post(URL, {"name": "Exchange", "kind": "backend"})
    assert page.status_code == 200
    text = page.content.decode()
    client_id = re.search(r'data-testid="client-id">([^<]+)<', text).group(1)
    secret = re.search(r'data-testid="client-secret">([^<]+)<', text).group(1)
    granted = Client().post(
        "/oauth/token/",
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "system/*.rs",
        },
    )
    assert granted.status_code == 200, granted.content
    headers = {"Authorization": f"Bearer {granted.json()['access_token']}"}
    assert Client().get(f"/fhir/R4/Patient/{alpha.patient.pk}", headers=headers).status_code == 200

    with scopes_disabled():
        app = FhirClient.objects.get(application__client_id=client_id)
    assert owner.post(f"{URL}{app.pk}/remove/").status_code == 302
    assert "<td>Exchange</td>" not in owner.get(URL).content.decode()
    with scopes_disabled():
        assert not FhirClient.objects.filter(organization=alpha.org).exists()
    assert Client().get(f"/fhir/R4/Patient/{alpha.patient.pk}", headers=headers).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "Portal app", "kind": "patient"}, "redirect address"),
        ({"name": "Keys", "kind": "backend", "jwks": "{not json"}, "Paste the keys as JSON"),
        (
            {"name": "Keys", "kind": "patient", "redirect_uri": "https://a.test/cb", "jwks": '{"keys": []}'},
            "Only backend",
        ),
        (
            {"name": "Keys", "kind": "backend", "jwks": '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}'},
            "public keys",
        ),
    ],
)
def test_bad_registrations_are_form_errors(alpha, login, data, field):
    page = login(alpha.owner).post(URL, data)
    assert page.status_code == 400
    assert field in page.content.decode()
    with scopes_disabled():
        assert not FhirClient.objects.filter(organization=alpha.org).exists()


@pytest.mark.django_db
def test_only_owners_see_the_page(alpha, login):
    assert login(alpha.staff).get(URL).status_code == 403
    assert "Connected apps" in login(alpha.owner).get("/office/settings/api-tokens/").content.decode()
