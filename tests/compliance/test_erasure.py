"""Erasure requests (GDPR Art. 17): recorded once, decided against the retention periods of the
organization's country, carried out in one transaction, with the legal ground of what is kept shown and
stored, and the history of each request kept."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.compliance.models import ErasureRequest, ErasureStatus
from core.patients.models import Patient
from core.tenancy.models import Organization
from plugins.billing.services.issuing import issue
from tests.factories import make_patient
from tests.test_isolation_pages import make_appointment, make_invoice

pytestmark = pytest.mark.django_db

# Queries of the privacy requests page (session, member, organization, the list with its patients).
PRIVACY_LIST = 8


def in_germany(tenant):
    # An UPDATE of the one column: saving the fixture's object would reset its record-number counter.
    with scopes_disabled():
        Organization.objects.filter(pk=tenant.org.pk).update(country="DE")
    tenant.org.country = "DE"


def record(client, patient, note=""):
    return client.post(f"/office/patients/{patient.pk}/erasure/", {"note": note})


def only(tenant, **filters) -> ErasureRequest:
    with scope(organization=tenant.org.pk):
        return ErasureRequest.objects.get(organization=tenant.org, **filters)


def test_erasure_within_the_retention_period_keeps_the_invoices_with_their_legal_ground(alpha, login):
    with scopes_disabled():
        invoice = issue(make_invoice(alpha))  # issued before the country was picked: no mentions checked
        buyer = dict(invoice.buyer)
        appointment = make_appointment(alpha)
        appointment.staff_notes = "Prefers mornings; anxious about needles"
        appointment.save()
    in_germany(alpha)
    client = login(alpha.owner)
    response = record(client, alpha.patient, "Asked by letter on 1 December")
    erasure = only(alpha)
    assert (
        response.status_code == 302
        and response["Location"] == f"/office/settings/privacy/erasure/{erasure.pk}/"
    )

    preview = client.get(response["Location"]).content.decode()
    assert "§ 147 Abs. 3 AO; § 14b UStG" in preview and "Carry out the request" in preview
    year_end = invoice.issue_date.replace(month=12, day=31)
    kept_until = year_end.replace(year=year_end.year + 8)

    decided = client.post(response["Location"], follow=True).content.decode()
    assert "Partly erased; the rest kept by law" in decided
    erasure = only(alpha)
    assert erasure.status == ErasureStatus.PARTLY_ERASED and erasure.pack == "DE/2026-01"
    assert erasure.decided_by == alpha.owner and erasure.decided_at is not None
    outcome = {row["record_class"]: row for row in erasure.outcome}
    assert outcome["invoice"]["action"] == "keep"
    assert outcome["invoice"]["law"] == "§ 147 Abs. 3 AO; § 14b UStG"
    assert outcome["invoice"]["kept_until"] == kept_until.isoformat()
    assert outcome["contact"]["action"] == "erase" and outcome["appointment"]["action"] == "erase"

    with scope(organization=alpha.org.pk):
        patient = Patient.objects.get(pk=alpha.patient.pk)
        # Kept records stay attributable: the name stays, the contact details go.
        assert (
            patient.family_name == alpha.patient.family_name and patient.email == "" and patient.phone == ""
        )
        invoice.refresh_from_db()
        assert invoice.buyer == buyer  # the invoice's legal content is untouched
        appointment.refresh_from_db()
        assert appointment.staff_notes == ""
    # The history records who recorded and who decided.
    with scopes_disabled():
        events = apps.get_model("compliance", "ErasureRequestEvent").objects.filter(pgh_obj_id=erasure.pk)
        assert [e.status for e in events.order_by("pgh_id")] == ["pending", "partly_erased"]


def test_a_patient_with_nothing_the_law_keeps_is_erased_entirely(alpha, login):
    in_germany(alpha)
    with scopes_disabled():
        newcomer = make_patient(alpha.clinic, "Nina", "Newcomer", email="nina@example.test")
        old = timezone.now() - timedelta(days=30)
        # Recorded where a pack asked for them (the US): identity, erased with the rest of it.
        Patient.objects.filter(pk=newcomer.pk).update(
            updated_at=old, race=["2028-9"], ethnicity="2186-5", birth_sex="F"
        )
    client = login(alpha.owner)
    record(client, newcomer)
    erasure = only(alpha, patient=newcomer)
    client.post(f"/office/settings/privacy/erasure/{erasure.pk}/")
    erasure = only(alpha, patient=newcomer)
    assert erasure.status == ErasureStatus.ERASED
    with scope(organization=alpha.org.pk):
        gone = Patient.objects.get(pk=newcomer.pk)
    assert gone.given_name == "Erased" and gone.family_name == f"patient {newcomer.display_record_number}"
    assert gone.email == "" and gone.date_of_birth is None and gone.archived
    assert gone.race == [] and gone.ethnicity == "" and gone.birth_sex == ""


def test_a_second_request_waits_for_the_first_and_a_decision_is_taken_once(alpha, login):
    in_germany(alpha)
    client = login(alpha.owner)
    record(client, alpha.patient)
    again = record(client, alpha.patient)
    page = client.get(again["Location"]).content.decode()
    assert "already waiting for a decision" in page
    erasure = only(alpha)
    url = f"/office/settings/privacy/erasure/{erasure.pk}/"
    assert client.post(url).status_code == 302
    second = client.post(url)
    assert second.status_code == 400 and "already been decided" in second.content.decode()
    # Once decided, a new request may be recorded.
    assert record(client, alpha.patient).status_code == 302
    with scope(organization=alpha.org.pk):
        assert ErasureRequest.objects.filter(patient=alpha.patient).count() == 2


def test_without_a_country_the_request_waits_and_says_why(alpha, login):
    client = login(alpha.owner)
    record(client, alpha.patient)
    erasure = only(alpha)
    url = f"/office/settings/privacy/erasure/{erasure.pk}/"
    assert "Choose the organization&#x27;s country" in client.get(url).content.decode()
    refused = client.post(url)
    assert refused.status_code == 400
    assert only(alpha).status == ErasureStatus.PENDING


def test_the_api_records_lists_and_carries_out(alpha, login):
    in_germany(alpha)
    client = login(alpha.owner)
    path = f"/api/v1/patients/{alpha.patient.pk}/erasure-requests"
    created = client.post(path, json.dumps({"note": "By phone"}), content_type="application/json")
    assert created.status_code == 201 and created.json()["status"] == "pending"
    conflict = client.post(path, json.dumps({}), content_type="application/json")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "open_request"
    [listed] = client.get("/api/v1/privacy/erasure-requests").json()
    done = client.post(f"/api/v1/privacy/erasure-requests/{listed['id']}/carry-out")
    assert done.status_code == 200 and done.json()["status"] == "erased"
    assert {row["record_class"] for row in done.json()["outcome"]} == {"contact"}
    assert client.post(f"/api/v1/privacy/erasure-requests/{listed['id']}/carry-out").status_code == 409


def test_the_privacy_pages_list_requests_for_the_owner_only(alpha, login):
    in_germany(alpha)
    client = login(alpha.owner)
    record(client, alpha.patient)
    listing = client.get("/office/settings/privacy/").content.decode()
    assert alpha.patient.full_name in listing and "DE/2026-01" in listing
    assert login(alpha.staff).get("/office/settings/privacy/").status_code == 403


def test_the_patient_download_from_the_office_holds_every_modules_part(alpha, login):
    with scopes_disabled():
        issue(make_invoice(alpha))
        make_appointment(alpha)
    response = login(alpha.practitioner).get(f"/office/patients/{alpha.patient.pk}/my-data.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    [part] = json.loads(archive.read("data.json"))["organizations"]
    assert part["patient"]["family_name"] == alpha.patient.family_name
    assert len(part["invoices"]) == 1 and len(part["appointments"]) == 1
    assert "clinical_notes" in part
    assert login(alpha.staff).get(f"/office/patients/{alpha.patient.pk}/my-data.zip").status_code == 403


def test_the_owner_exports_every_table_of_the_organization(alpha, beta, login):
    with scopes_disabled():
        issue(make_invoice(alpha))
    client = login(alpha.owner)
    assert client.get("/office/settings/export/").status_code == 200
    response = client.post("/office/settings/export/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = set(archive.namelist())
    assert {"organization.json", "tables/patients.patient.json", "tables/billing.invoice.json"} <= names
    patients = json.loads(archive.read("tables/patients.patient.json"))
    assert {row["fields"]["family_name"] for row in patients} == {alpha.patient.family_name}
    assert beta.org.name.encode() not in b"".join(archive.read(n) for n in names if n.endswith(".json"))
    assert login(alpha.practitioner).post("/office/settings/export/").status_code == 403


def test_the_requests_list_costs_the_same_however_many_requests(alpha, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    in_germany(alpha)
    client = login(alpha.owner)
    record(client, alpha.patient)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/office/settings/privacy/").status_code == 200
        return len(captured.captured_queries)

    one = count()
    with scopes_disabled():
        for n in range(10):
            ErasureRequest.objects.create(
                organization=alpha.org,
                patient=make_patient(alpha.clinic, f"Many{n}", "Asked"),
                channel="office",
            )
    assert count() == one
    with django_assert_max_num_queries(PRIVACY_LIST):
        client.get("/office/settings/privacy/")
