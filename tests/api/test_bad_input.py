"""Input the database or the calendar cannot hold is refused where requests are parsed: a 4xx in the API's
error shape (or a 400 page), never a 500 and never a half-written change."""

from __future__ import annotations

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from core.dates import FIRST_INSTANT
from core.patients.models import Patient
from tests.conftest import client_for

from .conftest import error_of
from .test_patients import new_patient

pytestmark = pytest.mark.django_db


def patients_of(tenant) -> int:
    with scopes_disabled():
        return Patient.objects.filter(organization=tenant.org).count()


def test_nul_in_a_search_is_a_field_error(alpha, api):
    response = api(alpha.owner).get("/patients", q="Ad\x00a")
    assert response.status_code == 400, response.content
    assert error_of(response)["code"] == "invalid_text"
    assert "q" in error_of(response)["fields"]


def test_nul_in_a_body_changes_nothing(alpha, api):
    before = patients_of(alpha)
    response = api(alpha.owner).post("/patients", new_patient(alpha.clinic, given_name="No\x00a"))
    assert response.status_code == 400, response.content
    assert list(error_of(response)["fields"]) == ["given_name"]
    assert patients_of(alpha) == before


def test_lone_surrogate_in_json_changes_nothing(alpha, api):
    before = patients_of(alpha)
    body = '{"clinic_id": %s, "given_name": "No\\ud800a", "family_name": "X"}'.replace(
        "%s", str(alpha.clinic.pk)
    )
    client = api(alpha.owner).client
    response = client.post("/api/v1/patients", data=body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert error_of(response)["code"] == "invalid_text"
    assert patients_of(alpha) == before


def test_broken_json_is_a_translated_400(alpha, api):
    client = api(alpha.owner).client
    response = client.post("/api/v1/patients", data="{", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


@pytest.mark.parametrize("born", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_dates_outside_the_accepted_years_are_refused(alpha, api, born):
    before = patients_of(alpha)
    response = api(alpha.owner).post("/patients", new_patient(alpha.clinic, date_of_birth=born))
    assert response.status_code == 422, response.content
    assert "date_of_birth" in error_of(response)["fields"]
    assert patients_of(alpha) == before


def test_nul_in_an_office_search_is_a_400_page(alpha):
    response = client_for(alpha.owner).get("/office/patients/", {"q": "Ad\x00a"})
    assert response.status_code == 400
    assert b"invalid characters" in response.content


def test_nul_in_an_office_form_post_changes_nothing(alpha):
    before = patients_of(alpha)
    response = client_for(alpha.owner).post(
        "/office/patients/new/", {"given_name": "No\x00a", "family_name": "X"}
    )
    assert response.status_code == 400
    assert patients_of(alpha) == before


def test_a_stored_time_bc_is_read_as_the_first_accepted_instant(alpha):
    # Rows written before dates were bounded may hold a year BC: reading them must not fail.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT '0001-01-01 00:00:00+00 BC'::timestamptz, '9999-12-31 23:00:00+00'::timestamptz"
        )
        old, far = cursor.fetchone()
    assert old == FIRST_INSTANT
    assert far.year == 2999
