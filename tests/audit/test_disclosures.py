"""Disclosures and the patient's accounting of them (HIPAA §164.528): staff record them from the chart;
the accounting lists the accountable ones of the last six years (never treatment, payment, operations,
nor those entered in error); the patient reads only their own, as a page and a PDF; records stay as
written and join the audit chain."""

import shutil
import subprocess
import tempfile
from datetime import date, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.audit.disclosures.accounting import accounting_for, years_before
from core.audit.disclosures.services import DisclosureDetails, mark_in_error, record_disclosure
from core.audit.models import AuditEntry, Disclosure
from core.tenancy.clinic_time import organization_zone
from tests.factories import PASSWORD, link_patient_login, make_patient, make_user

from .helpers import accesses, chain_now

pytestmark = pytest.mark.django_db


def _today(tenant) -> date:
    with scopes_disabled():
        return timezone.localdate(timezone=organization_zone(tenant.org.pk))


def _disclose(tenant, patient=None, *, days_ago=30, purpose="judicial", recipient="County Court", **extra):
    details = DisclosureDetails(
        disclosed_on=_today(tenant) - timedelta(days=days_ago),
        recipient_name=recipient,
        description=extra.pop("description", "Visit notes of March"),
        purpose=purpose,
        legal_basis=extra.pop("legal_basis", "Subpoena 42/2026"),
        **extra,
    )
    with scopes_disabled():
        return record_disclosure(patient or tenant.patient, details, by=tenant.staff, clinic=tenant.clinic)


def _portal_login(clinic, email) -> Client:
    client = Client()
    response = client.post(f"/c/{clinic.slug}/account/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _recipients(accounting) -> list[str]:
    return [d.recipient_name for d in accounting.disclosures]


def test_the_accounting_lists_accountable_disclosures_of_the_last_six_years(alpha):
    today = _today(alpha)
    _disclose(alpha, recipient="County Court", days_ago=10)
    _disclose(alpha, recipient="Health Department", purpose="public_health", days_ago=365 * 5)
    _disclose(
        alpha, recipient="On the boundary", purpose="research", days_ago=(today - years_before(today)).days
    )
    _disclose(
        alpha, recipient="Too old", purpose="law_enforcement", days_ago=(today - years_before(today)).days + 1
    )
    for purpose in ("treatment", "payment", "operations"):
        _disclose(alpha, recipient=f"TPO {purpose}", purpose=purpose, legal_basis="")
    mistaken = _disclose(alpha, recipient="Typed by mistake", purpose="other")
    with scopes_disabled():
        mark_in_error(mistaken, by=alpha.staff, reason="Wrong patient")
        other = make_patient(alpha.clinic, "Olga", "Otherpatient")
    _disclose(alpha, other, recipient="Someone else court")
    with scope(organization=alpha.org.pk):
        accounting = accounting_for(alpha.patient)
    assert _recipients(accounting) == ["County Court", "Health Department", "On the boundary"]
    assert (accounting.since, accounting.until) == (years_before(today), today)


def test_a_merged_duplicates_disclosures_stay_in_the_accounting(alpha):
    from core.patients.services import merge_patients

    with scopes_disabled():
        duplicate = make_patient(alpha.clinic, "Erin", "Alphapatient")
    _disclose(alpha, duplicate, recipient="Before the merge")
    with scope(organization=alpha.org.pk):
        merge_patients(alpha.patient, duplicate)
        assert _recipients(accounting_for(alpha.patient)) == ["Before the merge"]


def test_staff_record_a_disclosure_from_the_chart_and_it_joins_the_chain(alpha, login):
    staff = login(alpha.staff)
    url = f"/office/patients/{alpha.patient.pk}/disclosures/"
    chart = staff.get(f"/office/patients/{alpha.patient.pk}/").content.decode()
    assert url in chart  # the chart's "Disclosures" tab
    response = staff.post(
        url,
        {
            "disclosed_on": (_today(alpha) - timedelta(days=2)).isoformat(),
            "recipient_name": "State Immunization Registry",
            "recipient_address": "1 Capitol Way",
            "description": "Immunization record",
            "purpose": "public_health",
            "legal_basis": "State reporting law",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        disclosure = Disclosure.objects.get(patient=alpha.patient)
    assert (disclosure.recorded_by, disclosure.clinic, disclosure.recipient_address) == (
        alpha.staff,
        alpha.clinic,
        "1 Capitol Way",
    )
    page = staff.get(url).content.decode()
    assert "State Immunization Registry" in page and "Public health" in page
    chain_now()
    with scopes_disabled():
        link = AuditEntry.objects.get(organization=alpha.org, record_type="audit.Disclosure", action="insert")
    assert (link.patient_id, link.actor_id, link.kind) == (alpha.patient.pk, alpha.staff.pk, "change")
    assert (alpha.patient.pk, "audit_log", "view", "office") in accesses(category="audit_log")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"disclosed_on": "tomorrow"}, "disclosed_on", "cannot be later than today"),
        ({"recipient_name": "   "}, "recipient_name", "Name the person or organization"),
        ({"legal_basis": ""}, "legal_basis", "Say on what basis"),
        ({"purpose": "gossip"}, "purpose", "Select a valid choice"),
        ({"disclosed_on": "31/02/2026"}, "disclosed_on", "Enter a valid date"),
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(alpha, login, change, field, message):
    data = {
        "disclosed_on": _today(alpha).isoformat(),
        "recipient_name": "County Court",
        "description": "Visit notes",
        "purpose": "judicial",
        "legal_basis": "Court order",
    }
    if change.get("disclosed_on") == "tomorrow":
        change = {"disclosed_on": (_today(alpha) + timedelta(days=1)).isoformat()}
    response = login(alpha.staff).post(
        f"/office/patients/{alpha.patient.pk}/disclosures/", {**data, **change}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert f'id="id_{field}_error"' in response.content.decode()
    with scopes_disabled():
        assert not Disclosure.objects.exists()


def test_treatment_needs_no_legal_basis(alpha):
    disclosure = _disclose(alpha, purpose="treatment", legal_basis="")
    assert not disclosure.accountable


def test_other_organizations_and_other_clinics_patients_are_404(alpha, beta, login):
    beta_disclosure = _disclose(beta)
    with scopes_disabled():
        elsewhere = make_patient(alpha.clinics[1], "Bea", "Otherclinic")  # staff works at clinics[0] only
    for client, patient in ((login(alpha.owner), beta.patient), (login(alpha.staff), elsewhere)):
        for url in (
            f"/office/patients/{patient.pk}/disclosures/",
            f"/office/patients/{patient.pk}/disclosures/accounting.pdf",
        ):
            assert client.get(url).status_code == 404, url
        assert client.post(f"/office/patients/{patient.pk}/disclosures/", {}).status_code == 404
    owner = login(alpha.owner)
    assert owner.post(f"/office/disclosures/{beta_disclosure.pk}/error/", {"reason": "x"}).status_code == 404
    with scopes_disabled():
        assert not Disclosure.objects.get(pk=beta_disclosure.pk).entered_in_error


def test_entered_in_error_by_its_recorder_or_an_owner_once(alpha, login):
    disclosure = _disclose(alpha)
    url = f"/office/disclosures/{disclosure.pk}/error/"
    # The practitioner sees the patient but did not record it: refused.
    assert login(alpha.practitioner).post(url, {"reason": "Not mine"}).status_code == 403
    staff = login(alpha.staff)
    page = staff.post(url, {"reason": ""}, follow=True).content.decode()
    assert "Say why this disclosure was entered in error" in page
    page = staff.post(url, {"reason": "Wrong patient"}, follow=True).content.decode()
    assert "Disclosure marked entered in error." in page and 'data-in-error="1"' in page
    again = login(alpha.owner).post(url, {"reason": "Twice"}, follow=True).content.decode()
    assert "already marked entered in error" in again
    with scopes_disabled():
        kept = Disclosure.objects.get(pk=disclosure.pk)
    assert (kept.entered_in_error_reason, kept.entered_in_error_by) == ("Wrong patient", alpha.staff)


def test_the_database_keeps_disclosures_as_written(alpha):
    disclosure = _disclose(alpha)
    refused = DatabaseError
    for sql in (
        "UPDATE audit_disclosure SET recipient_name = 'Someone else' WHERE id = %s",
        "DELETE FROM audit_disclosure WHERE id = %s",
    ):
        with pytest.raises(refused), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [disclosure.pk])
    with scopes_disabled():
        with pytest.raises(refused), transaction.atomic():
            Disclosure.objects.filter(pk=disclosure.pk).update(purpose="treatment")
        mark_in_error(disclosure, by=alpha.owner, reason="Duplicate entry")
        # Once marked, the mark itself is fixed too.
        with pytest.raises(refused), transaction.atomic():
            Disclosure.objects.filter(pk=disclosure.pk).update(entered_in_error_reason="Changed my mind")
        assert Disclosure.objects.get(pk=disclosure.pk).entered_in_error_reason == "Duplicate entry"


needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils: scripts/bootstrap.sh"
)


def _pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        return subprocess.run(
            ["pdftotext", handle.name, "-"], capture_output=True, text=True, check=True
        ).stdout


@needs_poppler
def test_the_front_desk_prints_the_patients_accounting(alpha, login):
    _disclose(alpha, recipient="County Court")
    _disclose(alpha, recipient="Billing clearinghouse", purpose="payment", legal_basis="")
    response = login(alpha.staff).get(f"/office/patients/{alpha.patient.pk}/disclosures/accounting.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "Accounting of disclosures" in text and "County Court" in text and "Subpoena 42/2026" in text
    assert "Billing clearinghouse" not in text
    assert (alpha.patient.pk, "audit_log", "print", "office") in accesses(category="audit_log")


@needs_poppler
def test_the_patient_reads_only_their_own_accounting(alpha, beta, login):
    with scopes_disabled():
        other = make_patient(alpha.clinic, "Olga", "Otherpatient")
        link_patient_login(alpha.patient, make_user("erin.disclosures@example.test"))
        link_patient_login(other, make_user("olga.disclosures@example.test"))
    _disclose(alpha, recipient="County Court")
    _disclose(alpha, recipient="Referral to a specialist", purpose="treatment", legal_basis="")
    _disclose(alpha, other, recipient="Olga court")
    _disclose(beta, recipient="Beta court")
    erin = _portal_login(alpha.clinic, "erin.disclosures@example.test")
    base = f"/c/{alpha.clinic.slug}/account/"
    assert "account/disclosures/" in erin.get(f"{base}access-history/").content.decode()  # the account menu
    page = erin.get(f"{base}disclosures/").content.decode()
    assert "County Court" in page and "Subpoena 42/2026" in page
    assert "Referral to a specialist" not in page and "Olga" not in page and "Beta" not in page
    pdf = erin.get(f"{base}disclosures.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    assert "County Court" in text and "Olga" not in text and "Referral" not in text
    assert (alpha.patient.pk, "audit_log", "view", "portal") in accesses(category="audit_log")
    assert (alpha.patient.pk, "audit_log", "print", "portal") in accesses(category="audit_log")
    olga = _portal_login(alpha.clinic, "olga.disclosures@example.test")
    page = olga.get(f"{base}disclosures/").content.decode()
    assert "Olga court" in page and "County Court" not in page
    # Anonymous visitors are sent to the portal's sign-in.
    assert Client().get(f"{base}disclosures.pdf")["Location"].startswith(f"{base}login/")


def test_the_accounting_page_reads_a_fixed_number_of_queries(alpha, django_assert_max_num_queries):
    with scopes_disabled():
        link_patient_login(alpha.patient, make_user("erin.count@example.test"))
    _disclose(alpha)
    erin = _portal_login(alpha.clinic, "erin.count@example.test")
    url = f"/c/{alpha.clinic.slug}/account/disclosures/"
    with django_assert_max_num_queries(40) as few:
        assert erin.get(url).status_code == 200
    budget = len(few.captured_queries)
    for n in range(12):
        _disclose(alpha, recipient=f"Court {n}", days_ago=n + 1)
    with django_assert_max_num_queries(budget):
        assert "Court 11" in erin.get(url).content.decode()


def test_today_is_the_clinics_today(alpha):
    """A clinic far ahead of the server's clock may record what it disclosed on its own today; a clinic
    far behind may not record a date that is still tomorrow on its wall clock."""
    from zoneinfo import ZoneInfo

    from django.core.exceptions import ValidationError

    from core.tenancy.models import Clinic

    with scopes_disabled():
        Clinic.objects.filter(pk=alpha.clinics[0].pk).update(timezone="Pacific/Kiritimati")  # UTC+14
        Clinic.objects.filter(pk=alpha.clinics[1].pk).update(timezone="Pacific/Pago_Pago")  # UTC-11
        ahead, behind = (Clinic.objects.get(pk=c.pk) for c in alpha.clinics)
    kiritimati_today = timezone.localdate(timezone=ZoneInfo("Pacific/Kiritimati"))
    details = DisclosureDetails(
        disclosed_on=kiritimati_today, recipient_name="Registry", description="Record", purpose="treatment"
    )
    with scopes_disabled():
        assert (
            record_disclosure(alpha.patient, details, by=alpha.owner, clinic=ahead).disclosed_on
            == kiritimati_today
        )
        with pytest.raises(ValidationError, match="cannot be later than today"):
            record_disclosure(alpha.patient, details, by=alpha.owner, clinic=behind)


def test_the_chart_tab_reads_a_fixed_number_of_queries(alpha, login, django_assert_max_num_queries):
    _disclose(alpha)
    staff = login(alpha.staff)
    url = f"/office/patients/{alpha.patient.pk}/disclosures/"
    with django_assert_max_num_queries(60) as few:
        assert staff.get(url, headers={"HX-Request": "true"}).status_code == 200
    budget = len(few.captured_queries)
    for n in range(12):
        mistaken = _disclose(alpha, recipient=f"Court {n}", days_ago=n + 1)
    with scopes_disabled():
        mark_in_error(mistaken, by=alpha.owner, reason="Duplicate")
    with django_assert_max_num_queries(budget):
        assert "Court 11" in staff.get(url, headers={"HX-Request": "true"}).content.decode()
