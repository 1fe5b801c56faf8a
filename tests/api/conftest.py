"""Helpers for the JSON API tests: clients that speak JSON, API tokens, and two stand-in modules."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from core.accounts.tokens import create_token
from core.plugins.manager import registry
from core.plugins.types import ModuleInfo
from tests.conftest import client_for

API = "/api/v1"

# Two modules that exist only while a test asks for them: "records" and "billing", which needs records.
RECORDS = "apitest-records"
BILLING = "apitest-billing"


class Api:
    """Calls /api/v1 through a Django test client: a signed-in session, a bearer token, or nobody."""

    def __init__(self, client: Client | None = None, token: str | None = None):
        self.client = client or Client()
        self.extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def url(self, path: str) -> str:
        return path if path.startswith(API) else API + path

    def call(self, method: str, path: str, body=None, params=None, **headers):
        method = method.lower()
        extra = {**self.extra, **headers}
        if method == "get":
            return self.client.get(self.url(path), params or {}, **extra)
        send = getattr(self.client, method)
        if body is None:
            return send(self.url(path), **extra)
        return send(self.url(path), data=json.dumps(body), content_type="application/json", **extra)

    def get(self, path, **params):
        return self.call("get", path, params=params)

    def post(self, path, body=None):
        return self.call("post", path, body)

    def patch(self, path, body=None):
        return self.call("patch", path, body)

    def put(self, path, body=None):
        return self.call("put", path, body)

    def delete(self, path):
        return self.call("delete", path)


def issue_token(user, organization, name: str = "script") -> str:
    with scopes_disabled():
        _record, token = create_token(user, organization, name)
    return token


@pytest.fixture
def api():
    """``api(user)``: a session signed in through the login page; ``api()``: anonymous."""

    def make(user=None) -> Api:
        return Api(client_for(user) if user is not None else Client())

    return make


@pytest.fixture
def token_api():
    """``token_api(user, organization)``: calls with a fresh personal API token and no session."""

    def make(user, organization) -> Api:
        return Api(token=issue_token(user, organization))

    return make


@pytest.fixture
def fake_modules(monkeypatch):
    modules = registry().modules
    monkeypatch.setitem(
        modules,
        RECORDS,
        ModuleInfo(slug=RECORDS, label="Records", description="Stand-in", default_enabled=True),
    )
    monkeypatch.setitem(
        modules,
        BILLING,
        ModuleInfo(slug=BILLING, label="Billing", depends_on=(RECORDS,), default_enabled=False),
    )
    return RECORDS, BILLING


def error_of(response) -> dict:
    """The uniform error body's inner object (and a check that the body has that shape)."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]
