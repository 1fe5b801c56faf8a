import pytest
from django.test import Client

from tests.factories import PASSWORD, make_tenant


@pytest.fixture
def alpha(db):
    return make_tenant("Alpha")


@pytest.fixture
def beta(db):
    return make_tenant("Beta")


def client_for(user) -> Client:
    """A test client signed in through the real login page."""
    client = Client()
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def login():
    return client_for
