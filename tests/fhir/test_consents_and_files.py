"""Contract tests for Consent (a patient's agreement to the privacy notice) and for the chart's files as
DocumentReference with their content as Binary: read, search, paging, not found, another
organization's id, who sees what, and the access log."""

import base64
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled

from core.compliance.consents import record_notice_consent
from tests.audit.helpers import accesses
from tests.factories import link_patient_login, make_patient, make_user
from tests.fhir.conftest import app_client, chart


def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


PNG = png()
PDF = b"%PDF-1.4 a scanned referral letter"


def consented(tenant, versions=("NOTICE-2026-01", "NOTICE-2026-06")):
    """The tenant's patient has a portal login that agreed to two versions of the notice (call under
    ``scopes_disabled``); returns (login, [Consent ids])."""
    from core.compliance.models import PrivacyNoticeConsent

    login = make_user(f"consent-{tenant.org.pk}@example.test")
    link_patient_login(tenant.patient, login, agreed_notice=False)
    for version in versions:
        record_notice_consent(login, tenant.org, version)
    rows = PrivacyNoticeConsent.objects.filter(organization=tenant.org, user=login).order_by("pk")
    return login, [f"{row.pk}-{tenant.patient.pk}" for row in rows]


def attached(tenant, data=PDF, name="letter.pdf", **options):
    """A file on the tenant's patient's chart (call under ``scopes_disabled``)."""
    from plugins.records.services.files import attach_file

    with scope(organization=tenant.org.pk):
        return attach_file(
            tenant.clinic, tenant.patient, SimpleUploadedFile(name, data), by=tenant.practitioner, **options
        )


@pytest.mark.django_db
def test_consent_read_search_paging_and_other_organization(alpha, beta, fhir_as):
    with scopes_disabled():
        _login, [first, second] = consented(alpha)
        _other_login, [beta_consent, _] = consented(beta)
    fhir = fhir_as(alpha.owner, alpha.org)

    status, consent = fhir.get(f"Consent/{first}")
    assert status == 200 and consent["id"] == first
    assert consent["status"] == "active"
    assert consent["scope"]["coding"][0]["code"] == "patient-privacy"
    assert consent["category"][0]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "59284-0",
        "display": "Patient Consent",
    }
    assert consent["patient"] == {"reference": f"Patient/{alpha.patient.pk}"}
    assert consent["organization"][0]["reference"] == f"Organization/{alpha.org.pk}"
    assert consent["policy"][0]["uri"].endswith(f"/fhir/sid/{alpha.org.slug}/privacy-notice/NOTICE-2026-01")
    assert consent["policyRule"]["text"] == "NOTICE-2026-01"
    assert consent["meta"]["lastUpdated"] and consent["dateTime"]

    status, bundle = fhir.get("Consent", patient=f"Patient/{alpha.patient.pk}", _count="1")
    assert bundle["total"] == 2 and [e["resource"]["id"] for e in bundle["entry"]] == [first]
    next_page = next(link["url"] for link in bundle["link"] if link["relation"] == "next")
    assert "_offset=1" in next_page
    status, bundle = fhir.get("Consent", patient=f"Patient/{alpha.patient.pk}", _count="1", _offset="1")
    assert [e["resource"]["id"] for e in bundle["entry"]] == [second]
    status, bundle = fhir.get("Consent", _id=second)
    assert bundle["total"] == 1 and bundle["entry"][0]["resource"]["id"] == second
    status, bundle = fhir.get("Consent", date="ge2020-01-01", _lastUpdated="ge2020-01-01")
    assert bundle["total"] == 2
    status, bundle = fhir.get("Consent", date="lt2020-01-01")
    assert bundle["total"] == 0

    for missing in (beta_consent, "987654321-1", first.split("-")[0], "abc"):
        status, outcome = fhir.get(f"Consent/{missing}")
        assert status == 404 and outcome["issue"][0]["code"] == "not-found", missing
    status, bundle = fhir.get("Consent", _id=beta_consent)
    assert bundle["total"] == 0
    status, bundle = fhir.get("Consent", patient=f"Patient/{beta.patient.pk}")
    assert bundle["total"] == 0 and beta.org.name not in str(bundle)
    status, outcome = fhir.get("Consent", status="active")
    assert status == 400 and outcome["issue"][0]["code"] == "not-supported"


@pytest.mark.django_db
def test_a_login_linked_to_two_records_gives_a_consent_for_each(alpha, fhir_as):
    with scopes_disabled():
        login, [only] = consented(alpha, versions=("NOTICE-2026-01",))
        child = make_patient(alpha.clinic, "Kid", "Consented")
        link_patient_login(child, login, agreed_notice=False)
    status, bundle = fhir_as(alpha.owner, alpha.org).get("Consent")
    consent_pk = only.split("-")[0]
    assert sorted(e["resource"]["id"] for e in bundle["entry"]) == sorted([only, f"{consent_pk}-{child.pk}"])


@pytest.mark.django_db
def test_consents_follow_the_callers_reach_and_scopes(alpha, fhir_as):
    with scopes_disabled():
        login, [first, _second] = consented(alpha)
        other = make_patient(alpha.clinic, "Other", "Consented")
        other_login = make_user("other-consent@alpha.test")
        link_patient_login(other, other_login, agreed_notice=False)
        record_notice_consent(other_login, alpha.org, "NOTICE-2026-01")
        app = app_client(alpha.org, login, "patient", "patient/Consent.rs")
        narrow = app_client(alpha.org, login, "patient", "patient/Patient.rs")
        backend = app_client(alpha.org, None, "backend", "system/Consent.rs")
    status, bundle = app.get("Consent")
    assert {e["resource"]["patient"]["reference"] for e in bundle["entry"]} == {f"Patient/{alpha.patient.pk}"}
    assert bundle["total"] == 2
    status, _consent = app.get(f"Consent/{first}")
    assert status == 200
    status, outcome = narrow.get(f"Consent/{first}")
    assert status == 403 and outcome["issue"][0]["code"] == "forbidden"
    status, bundle = backend.get("Consent")
    assert bundle["total"] == 3
    # The front desk sees the patients of its clinic, and so their consents (administrative, not clinical).
    status, bundle = fhir_as(alpha.staff, alpha.org).get("Consent", patient=f"Patient/{alpha.patient.pk}")
    assert bundle["total"] == 2


@pytest.mark.django_db
def test_consent_reads_are_recorded(alpha, fhir_as):
    with scopes_disabled():
        _login, [first, _second] = consented(alpha)
    status, _consent = fhir_as(alpha.owner, alpha.org).get(f"Consent/{first}")
    assert status == 200
    assert accesses(patient=alpha.patient, channel="fhir") == [
        (alpha.patient.pk, "demographics", "view", "fhir")
    ]


@pytest.mark.django_db
def test_chart_files_are_documents_with_their_file_as_binary(alpha, beta, fhir_as):
    with scopes_disabled():
        chart(alpha)
        letter = attached(alpha, description="Referral letter")
        photo = attached(alpha, PNG, "rash.png")
        theirs = attached(beta)
    fhir = fhir_as(alpha.owner, alpha.org)
    document_id = f"file-{letter.pk}"

    status, document = fhir.get(f"DocumentReference/{document_id}")
    assert status == 200 and document["id"] == document_id
    assert document["category"][0]["coding"][0]["code"] == "chart-file"
    assert document["type"]["coding"][0]["code"] == "unknown"
    assert document["type"]["text"] == "Referral letter"
    assert document["subject"] == {
        "reference": f"Patient/{alpha.patient.pk}",
        "display": alpha.patient.full_name,
    }
    assert document["author"][0]["reference"] == f"Practitioner/{alpha.memberships['practitioner'].pk}"
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf" and attachment["size"] == len(PDF)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(PDF).digest()).decode()
    assert attachment["title"] == "Referral letter"
    assert attachment["url"].endswith(f"/fhir/R4/Binary/{document_id}")
    assert document["identifier"][0]["value"] == f"urn:sha256:{hashlib.sha256(PDF).hexdigest()}"

    status, binary = fhir.get(f"Binary/{document_id}")
    assert status == 200 and base64.b64decode(binary["data"]) == PDF
    assert binary["securityContext"] == {"reference": f"DocumentReference/{document_id}"}
    raw = fhir.client.get(f"/fhir/R4/Binary/file-{photo.pk}", headers={**fhir.headers, "Accept": "image/png"})
    assert raw.status_code == 200 and raw["Content-Type"] == "image/png" and raw.content == PNG

    # One list: the signed note, then the files, paged across both.
    status, bundle = fhir.get("DocumentReference", patient=f"Patient/{alpha.patient.pk}", _count="2")
    assert bundle["total"] == 3
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(alpha.chart["note"].pk), document_id]
    status, bundle = fhir.get(
        "DocumentReference", patient=f"Patient/{alpha.patient.pk}", _count="2", _offset="2"
    )
    assert [e["resource"]["id"] for e in bundle["entry"]] == [f"file-{photo.pk}"]
    status, bundle = fhir.get("DocumentReference", category="chart-file")
    assert {e["resource"]["id"] for e in bundle["entry"]} == {document_id, f"file-{photo.pk}"}
    status, bundle = fhir.get("DocumentReference", category="clinical-note")
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(alpha.chart["note"].pk)]
    status, bundle = fhir.get("DocumentReference", _id=f"{document_id},{alpha.chart['note'].pk}")
    assert bundle["total"] == 2
    status, bundle = fhir.get(
        "DocumentReference", patient=f"Patient/{alpha.patient.pk}", _revinclude="Provenance:target"
    )
    provenance = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert [p["id"] for p in provenance] == [str(alpha.chart["note"].pk)]

    for missing in (f"file-{theirs.pk}", "file-987654321", "file-0", "file-x"):
        for path in (f"DocumentReference/{missing}", f"Binary/{missing}"):
            status, outcome = fhir.get(path)
            assert status == 404 and outcome["issue"][0]["code"] == "not-found", path
    status, bundle = fhir.get("DocumentReference", _id=f"file-{theirs.pk}")
    assert bundle["total"] == 0


@pytest.mark.django_db
def test_chart_files_follow_the_files_tab(alpha, fhir_as):
    from plugins.records.services.files import change_file

    with scopes_disabled():
        shared = attached(alpha, visible_to_patient=True)
        private = attached(alpha)
        struck = attached(alpha, visible_to_patient=True)
        with scope(organization=alpha.org.pk):
            struck = change_file(struck, entered_in_error=True)
        login = make_user("files-patient@alpha.test")
        link_patient_login(alpha.patient, login, agreed_notice=False)
        app = app_client(alpha.org, login, "patient", "patient/DocumentReference.rs")
    status, bundle = app.get("DocumentReference")
    assert [e["resource"]["id"] for e in bundle["entry"]] == [f"file-{shared.pk}"]
    assert "context" not in bundle["entry"][0]["resource"]
    status, _binary = app.get(f"Binary/file-{shared.pk}")
    assert status == 200
    for hidden in (private, struck):
        for path in (f"DocumentReference/file-{hidden.pk}", f"Binary/file-{hidden.pk}"):
            status, _outcome = app.get(path)
            assert status == 404, path

    status, _outcome = fhir_as(alpha.staff, alpha.org).get(f"DocumentReference/file-{shared.pk}")
    assert status == 404  # the front desk reads nothing clinical
    status, bundle = fhir_as(alpha.staff, alpha.org).get("DocumentReference")
    assert bundle["total"] == 0
    status, document = fhir_as(alpha.practitioner, alpha.org).get(f"DocumentReference/file-{struck.pk}")
    assert document["status"] == "entered-in-error"
    status, bundle = fhir_as(alpha.owner, alpha.org).get("DocumentReference", status="entered-in-error")
    assert [e["resource"]["id"] for e in bundle["entry"]] == [f"file-{struck.pk}"]
    status, bundle = fhir_as(alpha.owner, alpha.org).get("DocumentReference", _lastUpdated="ge2020-01-01")
    assert bundle["total"] == 3


@pytest.mark.django_db
def test_file_reads_are_recorded_as_files(alpha, fhir_as):
    with scopes_disabled():
        letter = attached(alpha)
    fhir = fhir_as(alpha.owner, alpha.org)
    status, _binary = fhir.get(f"Binary/file-{letter.pk}")
    assert status == 200
    assert accesses(patient=alpha.patient, channel="fhir") == [(alpha.patient.pk, "files", "view", "fhir")]


def queries_for(fhir, resource_type):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        status, bundle = fhir.get(resource_type, _count="100")
    assert status == 200
    return len(captured), bundle["total"]


# Authentication, membership, clinics, the counts and the page, the uploaders of a page of files.
BUDGET = 12


@pytest.mark.django_db
def test_consent_and_file_searches_do_not_grow_with_the_page(alpha, fhir_as):
    def grow(n):
        with scopes_disabled():
            for i in range(n):
                patient = make_patient(alpha.clinics[i % 2], f"Grown{i}", "Consenting")
                login = make_user()
                link_patient_login(patient, login, agreed_notice=False)
                record_notice_consent(login, alpha.org, "NOTICE-2026-01")
                with scope(organization=alpha.org.pk):
                    from plugins.records.services.files import attach_file

                    attach_file(alpha.clinic, patient, SimpleUploadedFile("a.pdf", PDF), by=alpha.owner)

    fhir = fhir_as(alpha.owner, alpha.org)
    grow(2)
    for resource_type in ("Consent", "DocumentReference"):
        queries_for(fhir, resource_type)  # the token's first use is noted once
        few, few_total = queries_for(fhir, resource_type)
        grow(10)
        many, many_total = queries_for(fhir, resource_type)
        assert many_total > few_total
        assert many <= few, f"{resource_type}: {few} queries for {few_total}, {many} for {many_total}"
        assert many <= BUDGET, f"{resource_type}: {many} queries"
