"""Clinics and their module switches through the API."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from core.tenancy.models import Clinic, ClinicModule

from .conftest import BILLING, RECORDS, error_of

pytestmark = pytest.mark.django_db


def test_list_shows_the_clinics_a_member_may_see(alpha, api):
    owner = api(alpha.owner)
    names = [c["name"] for c in owner.get("/clinics").json()["items"]]
    assert names == ["Alpha Downtown", "Alpha Riverside"]
    assert [c["id"] for c in api(alpha.staff).get("/clinics").json()["items"]] == [alpha.clinic.pk]
    page = owner.get("/clinics", page_size=1).json()
    assert (page["count"], len(page["items"])) == (2, 1) and page["next"].endswith("page=2")

    with scopes_disabled():
        Clinic.objects.filter(pk=alpha.clinics[1].pk).update(archived=True)
    assert owner.get("/clinics").json()["count"] == 1
    assert owner.get("/clinics", include_archived=True).json()["items"][1]["archived"] is True


def test_clinic_detail_follows_visibility(alpha, api):
    staff = api(alpha.staff)
    assert staff.get(f"/clinics/{alpha.clinic.pk}").json()["slug"] == alpha.clinic.slug
    assert error_of(staff.get(f"/clinics/{alpha.clinics[1].pk}"))["code"] == "not_found"


def test_owner_creates_a_clinic(alpha, api):
    response = api(alpha.owner).post(
        "/clinics",
        {"name": "Alpha Hillside", "timezone": "Europe/Paris", "currency": "EUR", "country": "fr"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["slug"], body["timezone"], body["country"], body["locale"]) == (
        "alpha-hillside",
        "Europe/Paris",
        "FR",
        "en",
    )
    with scopes_disabled():
        assert Clinic.objects.get(pk=body["id"]).organization_id == alpha.org.pk


def test_clinic_short_names_are_unique_everywhere(alpha, beta, api):
    owner = api(alpha.owner)
    # Another organization's short name: it is a public web address, so it clashes too.
    for slug in (beta.clinic.slug, alpha.clinic.slug):
        response = owner.post("/clinics", {"name": "Clash", "slug": slug})
        assert response.status_code == 422
        assert error_of(response)["fields"] == {"slug": [f"The short name “{slug}” is already in use."]}
    response = owner.patch(f"/clinics/{alpha.clinics[1].pk}", {"slug": beta.clinic.slug})
    assert list(error_of(response)["fields"]) == ["slug"]


def test_create_refuses_bad_input(alpha, api):
    owner = api(alpha.owner)
    for body, field in [
        ({}, "name"),
        ({"name": " "}, "name"),
        ({"name": "X", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "X", "currency": "XYZ"}, "currency"),
        ({"name": "X", "locale": "tlh"}, "locale"),
        ({"name": "X", "slug": "not a slug!"}, "slug"),
        ({"name": "X", "email": "nope"}, "email"),
        ({"name": "X", "country": "FRA"}, "country"),
        ({"name": "X", "archived": True}, "archived"),
    ]:
        response = owner.post("/clinics", body)
        assert response.status_code == 422, (body, response.content)
        assert list(error_of(response)["fields"]) == [field], body
    with scopes_disabled():
        assert Clinic.objects.filter(organization=alpha.org).count() == 2


def test_members_cannot_manage_clinics(alpha, api):
    for user in (alpha.practitioner, alpha.staff):
        member = api(user)
        assert member.post("/clinics", {"name": "Mine"}).status_code == 403
        assert member.patch(f"/clinics/{alpha.clinic.pk}", {"name": "Mine"}).status_code == 403
        assert member.post(f"/clinics/{alpha.clinic.pk}/archive").status_code == 403
    with scopes_disabled():
        assert Clinic.objects.get(pk=alpha.clinic.pk).name == "Alpha Downtown"


def test_owner_edits_archives_and_restores(alpha, api):
    owner = api(alpha.owner)
    url = f"/clinics/{alpha.clinic.pk}"
    edited = owner.patch(url, {"name": "Alpha Centre", "slug": "alpha-centre", "phone": "+1 555"})
    assert edited.status_code == 200, edited.content
    assert (edited.json()["name"], edited.json()["slug"], edited.json()["city"]) == (
        "Alpha Centre",
        "alpha-centre",
        "",
    )
    # An empty short name keeps the current one, as the settings page does.
    assert owner.patch(url, {"slug": ""}).json()["slug"] == "alpha-centre"

    assert owner.post(f"{url}/archive").json()["archived"] is True
    assert [c["id"] for c in owner.get("/clinics").json()["items"]] == [alpha.clinics[1].pk]
    assert owner.get(url).json()["archived"] is True
    assert owner.post(f"{url}/unarchive").json()["archived"] is False
    with scopes_disabled():
        assert Clinic.objects.get(pk=alpha.clinic.pk).archived is False


# --- modules ---------------------------------------------------------------------------------------------


def rows(response) -> dict:
    return {row["slug"]: row for row in response.json()}


def test_module_list(alpha, api, fake_modules):
    listed = rows(api(alpha.staff).get(f"/clinics/{alpha.clinic.pk}/modules"))
    assert listed[RECORDS]["enabled"] is True and listed[RECORDS]["depends_on"] == []
    assert listed[BILLING] == {
        "slug": BILLING,
        "label": "Billing",
        "description": "",
        "enabled": False,
        "default_enabled": False,
        "depends_on": [RECORDS],
    }
    assert api(alpha.staff).get(f"/clinics/{alpha.clinics[1].pk}/modules").status_code == 404


def test_owner_switches_modules_respecting_dependencies(alpha, api, fake_modules):
    owner = api(alpha.owner)
    base = f"/clinics/{alpha.clinic.pk}/modules"

    assert owner.put(f"{base}/{RECORDS}", {"enabled": False}).json()["enabled"] is False
    refused = owner.put(f"{base}/{BILLING}", {"enabled": True})
    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "module_dependency"
    assert error["message"] == "Billing needs Records switched on first."

    assert owner.put(f"{base}/{RECORDS}", {"enabled": True}).status_code == 200
    switched = owner.put(f"{base}/{BILLING}", {"enabled": True})
    assert switched.status_code == 200 and switched.json()["enabled"] is True
    refused = owner.put(f"{base}/{RECORDS}", {"enabled": False})
    assert refused.status_code == 409
    assert error_of(refused)["message"] == "Switch off Billing first: it depends on Records."
    assert rows(owner.get(base))[RECORDS]["enabled"] is True
    # Only this clinic changed.
    assert rows(owner.get(f"/clinics/{alpha.clinics[1].pk}/modules"))[BILLING]["enabled"] is False
    with scopes_disabled():
        assert ClinicModule.objects.get(clinic=alpha.clinic, module=BILLING).changed_by == alpha.owner


def test_module_switch_refusals(alpha, api, fake_modules):
    base = f"/clinics/{alpha.clinic.pk}/modules"
    owner = api(alpha.owner)
    assert error_of(owner.put(f"{base}/no-such-module", {"enabled": True}))["code"] == "not_found"
    assert list(error_of(owner.put(f"{base}/{RECORDS}", {}))["fields"]) == ["enabled"]
    assert list(error_of(owner.put(f"{base}/{RECORDS}", {"enabled": "maybe"}))["fields"]) == ["enabled"]
    for user in (alpha.practitioner, alpha.staff):
        assert api(user).put(f"{base}/{RECORDS}", {"enabled": False}).status_code == 403
    with scopes_disabled():
        assert not ClinicModule.objects.filter(clinic=alpha.clinic).exists()
