"""Personal API tokens: created with a session, shown once, used as a bearer token for one organization,
revoked; and CSRF for session writes."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from core.accounts.models import ApiToken
from core.accounts.tokens import create_token
from tests.factories import PASSWORD, add_member

from .conftest import Api, error_of

pytestmark = pytest.mark.django_db


def test_token_lifecycle(alpha, api):
    session = api(alpha.practitioner)
    created = session.post("/tokens", {"name": "  nightly export "})
    assert created.status_code == 201, created.content
    body = created.json()
    token = body["token"]
    assert token.startswith("ehr_") and body["prefix"] == token[:10] and body["name"] == "nightly export"
    with scopes_disabled():
        record = ApiToken.objects.get(pk=body["id"])
    assert token not in (record.token_hash, record.prefix)  # only a hash is kept

    listed = session.get("/tokens").json()
    assert [t["id"] for t in listed["items"]] == [body["id"]]
    assert "token" not in listed["items"][0]  # shown once, never again

    bearer = Api(token=token)
    me = bearer.get("/me")
    assert me.status_code == 200 and me.json()["email"] == alpha.practitioner.email
    assert bearer.get("/patients").json()["items"][0]["id"] == alpha.patient.pk
    # A token call carries no cookie, so writes need no CSRF token.
    assert bearer.patch(f"/patients/{alpha.patient.pk}", {"version": 1, "city": "Lyon"}).status_code == 200

    assert session.delete(f"/tokens/{body['id']}").status_code == 204
    refused = bearer.get("/me")
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "not_authenticated"
    assert session.get("/tokens").json()["items"][0]["revoked_at"] is not None


def test_token_works_for_its_own_organization_only(alpha, beta, api):
    with scopes_disabled():
        add_member(beta.org, alpha.practitioner, "practitioner", beta.clinics)
        record, token = create_token(alpha.practitioner, beta.org, "beta export")
    bearer = Api(token=token)
    assert bearer.get("/organization").json()["id"] == beta.org.pk
    assert bearer.get(f"/patients/{beta.patient.pk}").status_code == 200
    assert bearer.get(f"/patients/{alpha.patient.pk}").status_code == 404
    assert [o["id"] for o in bearer.get("/me").json()["organizations"] if o["current"]] == [beta.org.pk]
    # The session acts for alpha (the older membership): beta's token is not one of its tokens there.
    session = api(alpha.practitioner)
    assert session.get("/organization").json()["id"] == alpha.org.pk
    assert session.get("/tokens").json()["count"] == 0
    assert session.delete(f"/tokens/{record.pk}").status_code == 404
    assert bearer.get("/me").status_code == 200


def test_tokens_are_personal(alpha, api):
    owner_token = api(alpha.owner).post("/tokens", {"name": "owner"}).json()
    staff = api(alpha.staff)
    assert staff.get("/tokens").json()["count"] == 0
    assert staff.delete(f"/tokens/{owner_token['id']}").status_code == 404
    assert Api(token=owner_token["token"]).get("/me").status_code == 200


def test_bad_token_input_and_bad_tokens(alpha, api):
    session = api(alpha.owner)
    assert list(error_of(session.post("/tokens", {"name": " "}))["fields"]) == ["name"]
    assert list(error_of(session.post("/tokens", {"name": "x" * 101}))["fields"]) == ["name"]
    assert list(error_of(session.post("/tokens", {"name": "a", "scope": "all"}))["fields"]) == ["scope"]
    for header in ("Bearer ehr_not-a-real-token", "Bearer abc", "Basic ehr_x"):
        response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert error_of(response)["code"] == "not_authenticated"


def test_session_write_without_csrf_token_is_refused(alpha):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
    signed_in = client.post(
        "/accounts/login/",
        {"username": alpha.owner.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
    )
    assert signed_in.status_code == 302
    session = Api(client)

    refused = session.post("/tokens", {"name": "no csrf"})
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "csrf_failed"
    with scopes_disabled():
        assert not ApiToken.objects.filter(user=alpha.owner).exists()
    # Reads need no token; a write carrying the cookie's token as X-CSRFToken goes through.
    assert session.get("/tokens").status_code == 200
    accepted = session.call(
        "post", "/tokens", {"name": "with csrf"}, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value
    )
    assert accepted.status_code == 201, accepted.content
