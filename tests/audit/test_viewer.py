"""The owner's audit viewer: changes and accesses in one list, in clinic words and clinic time, filtered,
keyset-paginated with a flat query count, exported as CSV, verified on demand; the chart's access history;
the patient's "who viewed my record"."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from core.patients.models import Patient
from tests.factories import PASSWORD, link_patient_login, make_patient, make_user

from .helpers import accesses, chain_now, tamper

pytestmark = pytest.mark.django_db


def _visits(alpha, client, n: int) -> None:
    for _ in range(n):
        assert client.get(f"/office/patients/{alpha.patient.pk}/").status_code == 200


def test_reading_the_audit_log_is_recorded(alpha, login):
    client = login(alpha.owner)
    assert client.get("/office/settings/audit/").status_code == 200
    assert accesses(category="audit_log") == [(None, "audit_log", "view", "office")]
    assert client.get("/office/settings/audit/", {"patient": alpha.patient.pk}).status_code == 200
    assert (alpha.patient.pk, "audit_log", "view", "office") in accesses(category="audit_log")


def test_changes_read_in_clinic_words(alpha, login):
    with scopes_disabled():
        Patient.objects.filter(pk=alpha.patient.pk).update(given_name="Erina", search_name="x")
    client = login(alpha.owner)
    chain_now()
    page = client.get("/office/settings/audit/").content.decode()
    assert "given name: Erin → Erina" in page
    # Internal names and bookkeeping columns stay out of sight.
    assert "given_name" not in page
    assert "search name" not in page and "search_name" not in page


def test_accesses_and_changes_share_one_list(alpha, login):
    client = login(alpha.owner)
    _visits(alpha, client, 1)
    chain_now()
    page = client.get("/office/settings/audit/").content.decode()
    assert "Viewed: Demographics" in page
    assert "Patient Erin Alphapatient: created" in page


def test_the_query_count_does_not_grow_with_the_events(alpha, login, django_assert_max_num_queries):
    client = login(alpha.owner)
    _visits(alpha, client, 3)
    chain_now()
    with django_assert_max_num_queries(25) as few:
        assert client.get("/office/settings/audit/").status_code == 200
    budget = len(few.captured_queries)  # read now: the next request starts a new query log
    _visits(alpha, client, 60)
    chain_now()
    with django_assert_max_num_queries(budget):
        response = client.get("/office/settings/audit/")
    assert response.status_code == 200
    assert b"after=" in response.content  # more than a page: the next page is offered by cursor


def test_pages_follow_one_another_by_cursor(alpha, login):
    client = login(alpha.owner)
    _visits(alpha, client, 30)
    chain_now()
    first = client.get("/office/settings/audit/", {"kind": "access"})
    assert first.status_code == 200
    link = first.content.decode().split("after=")[1].split('"')[0]
    second = client.get(f"/office/settings/audit/?kind=access&after={link}")
    assert second.status_code == 200
    assert client.get("/office/settings/audit/?after=notanumber").status_code == 200


def test_filters_narrow_the_list(alpha, login):
    with scopes_disabled():
        other = make_patient(alpha.clinic, "Olga", "Otherpatient")
    owner, doctor = login(alpha.owner), login(alpha.practitioner)
    doctor.get(f"/office/patients/{other.pk}/")
    owner.get(f"/office/patients/{alpha.patient.pk}/")
    chain_now()
    page = owner.get("/office/settings/audit/", {"patient": other.pk, "kind": "access"}).content.decode()
    assert "Otherpatient" in page and "Alphapatient" not in page
    page = owner.get("/office/settings/audit/", {"user": alpha.practitioner.pk, "kind": "access"}).content
    assert b"Otherpatient" in page and b"Alphapatient" not in page
    page = owner.get("/office/settings/audit/", {"record_type": "patients.Patient"}).content.decode()
    assert "Patient Olga Otherpatient: created" in page and "Viewed:" not in page
    # Another organization's patient id filters on nothing, showing nothing.
    page = owner.get("/office/settings/audit/", {"patient": 2_000_000_000}).content.decode()
    assert "Nothing recorded" in page
    # A reversed period is a form error, not a 500.
    bad = owner.get("/office/settings/audit/", {"start": "2026-02-02", "end": "2026-01-01"})
    assert bad.status_code == 400


def test_patient_type_ahead(alpha, beta, login):
    client = login(alpha.owner)
    found = client.get("/office/settings/audit/patients/", {"patient_q": "Alphapat"}).content.decode()
    assert f"patient={alpha.patient.pk}" in found
    assert (
        "Betapatient"
        not in client.get("/office/settings/audit/patients/", {"patient_q": "Betapat"}).content.decode()
    )


def test_export_is_the_filtered_list_and_is_audited(alpha, login):
    client = login(alpha.owner)
    _visits(alpha, client, 2)
    chain_now()
    response = client.get(
        "/office/settings/audit/export.csv", {"patient": alpha.patient.pk, "kind": "access"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("Viewed: Demographics") == 2
    assert (alpha.patient.pk, "audit_log", "export", "office") in accesses(category="audit_log")


def test_verify_integrity_reports_the_first_broken_link(alpha, login, django_capture_on_commit_callbacks):
    """The button queues the check (run at once by the test settings' synchronous cluster); the page shows
    the latest result."""
    client = login(alpha.owner)
    _visits(alpha, client, 2)
    chain_now()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/office/settings/audit/verify/")
    assert response.status_code == 302
    page = client.get("/office/settings/audit/").content.decode()
    assert "Latest integrity check" in page and "Intact" in page
    tamper("UPDATE audit_accessevent SET user_agent = 'x' WHERE organization_id = %s", [alpha.org.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/office/settings/audit/verify/")
    page = client.get("/office/settings/audit/").content.decode()
    assert "Broken" in page and "was changed after it was written" in page


def test_a_second_click_while_a_check_waits_queues_nothing(alpha, login):
    from core.audit.chain_check import request_check, run_check
    from core.audit.models import ChainCheck

    client = login(alpha.owner)
    # Without the commit the queued task never runs: the check stays waiting.
    page = client.post("/office/settings/audit/verify/", follow=True).content.decode()
    assert "The integrity check is queued" in page
    page = client.post("/office/settings/audit/verify/", follow=True).content.decode()
    assert "already waiting or running" in page
    with scopes_disabled():
        waiting = ChainCheck.objects.get(organization=alpha.org)
        assert waiting.status == "queued"
        assert request_check(alpha.org.pk, alpha.owner) == (waiting, False)
    chain_now()
    assert run_check(alpha.org.pk, waiting.pk) == "intact"
    assert run_check(alpha.org.pk, waiting.pk) == "done"  # a retried task does not run it twice
    with scopes_disabled():
        _new, queued = request_check(alpha.org.pk, alpha.owner)
    assert queued


def test_only_owners_see_the_audit(alpha, login):
    for role in ("practitioner", "staff"):
        client = login(getattr(alpha, role))
        assert client.get("/office/settings/audit/").status_code == 403
        assert client.get(f"/office/patients/{alpha.patient.pk}/access-history/").status_code == 403
        assert b"Access history" not in client.get(f"/office/patients/{alpha.patient.pk}/").content


def test_the_chart_access_history_tab(alpha, login):
    _visits(alpha, login(alpha.practitioner), 1)
    owner = login(alpha.owner)
    chart = owner.get(f"/office/patients/{alpha.patient.pk}/").content.decode()
    assert "Access history" in chart
    chain_now()
    tab = owner.get(f"/office/patients/{alpha.patient.pk}/access-history/", headers={"HX-Request": "true"})
    assert tab.status_code == 200
    assert alpha.practitioner.email in tab.content.decode()
    assert "Viewed: Demographics" in tab.content.decode()


def _portal_login(clinic, email) -> Client:
    client = Client()
    response = client.post(f"/c/{clinic.slug}/account/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_who_viewed_my_record_shows_only_my_own_record(alpha, login):
    with scopes_disabled():
        other = make_patient(alpha.clinic, "Olga", "Otherpatient")
        link_patient_login(alpha.patient, make_user("erin.portal@example.test"))
        link_patient_login(other, make_user("olga.portal@example.test"))
    doctor = login(alpha.practitioner)
    doctor.get(f"/office/patients/{alpha.patient.pk}/")
    chain_now()
    erin = _portal_login(alpha.clinic, "erin.portal@example.test")
    page = erin.get(f"/c/{alpha.clinic.slug}/account/access-history/").content.decode()
    assert "Practitioner" in page and "Viewed: Demographics" in page
    assert alpha.practitioner.email not in page  # staff names are not shown to patients
    olga = _portal_login(alpha.clinic, "olga.portal@example.test")
    page = olga.get(f"/c/{alpha.clinic.slug}/account/access-history/").content.decode()
    assert "Nobody has viewed your record yet." in page


def test_the_database_holds_one_waiting_check_per_organization(alpha):
    from django.db import IntegrityError, transaction

    from core.audit.models import ChainCheck

    with scopes_disabled():
        ChainCheck.objects.create(organization=alpha.org)
        with pytest.raises(IntegrityError), transaction.atomic():
            ChainCheck.objects.create(organization=alpha.org, status="running")
        ChainCheck.objects.create(organization=alpha.org, status="intact")  # finished ones are history


def test_a_check_lost_with_its_worker_does_not_block_the_next(alpha):
    from datetime import timedelta

    from django.utils import timezone

    from core.audit.chain_check import STALE_AFTER, request_check
    from core.audit.models import ChainCheck

    with scopes_disabled():
        lost = ChainCheck.objects.create(
            organization=alpha.org, status="running", requested_at=timezone.now() - STALE_AFTER - timedelta(1)
        )
        check, queued = request_check(alpha.org.pk, alpha.owner)
        assert queued and check.pk != lost.pk
        lost.refresh_from_db()
        assert lost.status == "failed"
