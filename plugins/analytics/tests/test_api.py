"""The report API: the same figures as the page, the sections each role gets, and clear 4xx answers."""

from __future__ import annotations

import pytest

from tests.conftest import client_for

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def report_url(clinic) -> str:
    return f"/api/v1/clinics/{clinic.pk}/analytics/report"


def figures(body) -> dict:
    return {f["slug"]: (f["value"], f["previous"]) for s in body["sections"] for f in s["figures"]}


@pytest.mark.django_db
def test_owner_gets_every_section_for_the_clinics_asked(month):
    client = client_for(month.tenant.owner)
    response = client.get(report_url(month.a), {**MARCH, "clinic_ids": [month.a.pk, month.b.pk]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["start"], body["end"]) == ("2026-03-01", "2026-03-31")
    assert (body["previous_start"], body["previous_end"]) == ("2026-01-29", "2026-02-28")
    assert body["source"] == "live"
    got = figures(body)
    assert got["revenue_invoiced"] == ("300.00", "60.00")
    assert got["appointments_no_show_rate"] == ("20.00", "0.00")
    assert got["inventory_stock_value"] == ("80.00", None)
    tables = {t["id"]: t for s in body["sections"] for t in s["tables"]}
    assert {r["label"]: r["values"] for r in tables["revenue-method"]["rows"]} == {
        "Cash": ["160.00"],
        "Card": ["30.00"],
    }
    # Without clinic_ids: the clinic in the path only.
    downtown = client.get(report_url(month.a), MARCH).json()
    assert downtown["clinic_ids"] == [month.a.pk]
    assert figures(downtown)["revenue_invoiced"][0] == "180.00"


@pytest.mark.django_db
def test_roles_get_their_sections(month):
    staff = client_for(month.tenant.staff).get(report_url(month.a), MARCH).json()
    assert {s["slug"] for s in staff["sections"]} >= {"appointments", "inventory"}
    assert "revenue" not in {s["slug"] for s in staff["sections"]}
    doctor = client_for(month.tenant.practitioner).get(report_url(month.a), MARCH).json()
    assert {s["slug"] for s in doctor["sections"]} == {"appointments", "patients", "utilization"}
    # P's own at Downtown: Mar 2 and Mar 4 (the open request is not counted); Feb 10 before.
    assert figures(doctor)["appointments_booked"] == ("2", "1")


@pytest.mark.django_db
def test_bad_input_is_a_422_with_the_uniform_error(month, beta):
    client = client_for(month.tenant.owner)
    inverted = client.get(report_url(month.a), {"start": "2026-03-31", "end": "2026-03-01"})
    assert inverted.status_code == 422
    assert inverted.json()["error"]["fields"]["end"] == ["The end of the period is before its start."]
    foreign = client.get(report_url(month.a), {**MARCH, "clinic_ids": [beta.clinic.pk]})
    assert foreign.status_code == 422
    assert foreign.json()["error"]["fields"]["clinic_ids"] == ["Choose clinics you may report on."]
    # Another organization's clinic in the path: not found, like a missing one.
    assert client.get(report_url(beta.clinic), MARCH).status_code == 404
    assert client.get(report_url(month.a), {"period": "fortnight"}).status_code == 422
    staff = client_for(month.tenant.staff)
    assert staff.get(report_url(month.a), {**MARCH, "clinic_ids": [month.b.pk]}).status_code == 422
