"""Settings → Privacy notice: the owner sees, per organization and by clinic, the patients with a portal
account who have not agreed to the notice in force (with the version they last agreed to and when), in
pages whose query count does not grow with the patients, recorded in the access log; and reminds them by
email, once per patient and notice version, in the patient's language."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from core.audit.models import AccessEvent
from core.compliance import emails
from core.compliance.consents import GENERIC_NOTICE_VERSION, record_notice_consent
from core.compliance.models import NoticeReminder, PrivacyNoticeConsent
from core.patients.models import PatientAccount
from core.tenancy.models import Clinic, Organization
from tests.factories import link_patient_login, make_patient, make_user

pytestmark = pytest.mark.django_db

URL = "/office/settings/privacy-notice/"
REMIND = "/office/settings/privacy-notice/remind/"
GERMAN = "DE-2026-01"
# Sign-in, membership, the clinic worked in, the clinics to filter by, the count, the rows (each row's
# last agreement, reminder and clinic are subqueries of that one query) and the access log's INSERT.
PAGE_QUERIES = 7


def portal_patient(clinic, given, family, *, agreed=(), **extra):
    """A patient of ``clinic`` with a verified portal login that agreed to the versions ``agreed``
    ((version, when) pairs)."""
    with scopes_disabled():
        patient = make_patient(clinic, given, family, **extra)
        login = make_user(f"{given.lower()}.{family.lower()}@example.test")
        link_patient_login(patient, login, agreed_notice=False)
        for version, when in agreed:
            PrivacyNoticeConsent.objects.create(
                organization_id=clinic.organization_id, user=login, version=version, given_at=when
            )
    return patient


def notice_changes(tenant, country=GERMAN[:2]):
    with scopes_disabled():
        Organization.objects.filter(pk=tenant.org.pk).update(country=country)


class Sending:
    """A signed-in client whose posts also run what they queued for after the commit."""

    def __init__(self, client, sends):
        self.client, self.sends = client, sends

    def post(self, *args, **kwargs):
        with self.sends():
            return self.client.post(*args, **kwargs)

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)


def listed(response) -> list[str]:
    return [f"{p.family_name}, {p.given_name}" for p in response.context["page"]]


def test_lists_who_has_not_agreed_to_the_version_in_force_with_their_last_agreement(alpha, login):
    with scopes_disabled():
        # Read in the clinic's time zone: 22:30 UTC on 1 March is already 2 March in Auckland.
        Clinic.objects.filter(organization=alpha.org).update(timezone="Pacific/Auckland")
    late = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    portal_patient(alpha.clinic, "Ada", "Agreed", agreed=[(GENERIC_NOTICE_VERSION, late)])
    portal_patient(alpha.clinic, "Olga", "Older", agreed=[("OLD-1", late)])
    portal_patient(alpha.clinic, "Nina", "Never")
    gone = portal_patient(alpha.clinic, "Arno", "Archived")
    unverified = portal_patient(alpha.clinic, "Uma", "Unverified")
    with scopes_disabled():
        type(gone).objects.filter(pk=gone.pk).update(archived=True)
        PatientAccount.objects.filter(patient=unverified).update(verified_at=None)
    client = login(alpha.owner)

    page = client.get(URL)
    assert page.status_code == 200
    assert listed(page) == ["Never, Nina", "Older, Olga"]
    text = page.content.decode()
    assert "2 patients have not agreed to version GENERIC-2026-01." in text
    assert "Version OLD-1 on 2 Mar 2026" in text and "Never" in text
    # A patient without a portal account (the tenant's own patient) is not asked anything.
    assert alpha.patient.family_name not in text

    notice_changes(alpha)
    page = client.get(URL)
    assert listed(page) == ["Agreed, Ada", "Never, Nina", "Older, Olga"]
    assert "Version GENERIC-2026-01 on 2 Mar 2026" in page.content.decode()
    # The privacy requests page shows the count and links here.
    summary = client.get("/office/settings/privacy/").content.decode()
    assert "3 patients have not agreed to version DE-2026-01." in summary and URL in summary
    # Where the notice is chosen (the organization's country), the page is linked too.
    assert URL in client.get("/office/settings/organization/").content.decode()


def test_filtered_by_clinic_and_a_wrong_clinic_is_explained(alpha, login):
    portal_patient(alpha.clinics[0], "Dora", "Downtown")
    portal_patient(alpha.clinics[1], "Rita", "Riverside")
    client = login(alpha.owner)
    assert listed(client.get(URL)) == ["Downtown, Dora", "Riverside, Rita"]
    assert listed(client.get(URL, {"clinic": alpha.clinics[1].slug})) == ["Riverside, Rita"]
    wrong = client.get(URL, {"clinic": "no-such-clinic"})
    assert wrong.status_code == 400 and listed(wrong) == []
    assert "Select a valid choice" in wrong.content.decode()


def page_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


def test_query_count_stays_flat_as_patients_grow_and_pages_turn(alpha, login, django_assert_max_num_queries):
    client = login(alpha.owner)
    for n in range(3):
        portal_patient(
            alpha.clinics[n % 2], f"Few{n}", "Patient", agreed=[("OLD-1", datetime(2026, 1, 1, tzinfo=UTC))]
        )
    few = page_queries(client)
    for n in range(60):
        portal_patient(alpha.clinics[n % 2], f"Many{n:02d}", "Patient")
    many = page_queries(client)
    assert few == many <= PAGE_QUERIES, (few, many)
    with django_assert_max_num_queries(PAGE_QUERIES):
        second = client.get(URL, {"page": 2, "clinic": alpha.clinics[1].slug})
    # 31 of the 63 are Riverside's: the second page holds the last 6.
    assert second.context["page"].number == 2 and len(second.context["page"].object_list) == 6
    assert client.get(URL, {"page": 3}).context["page"].paginator.count == 63
    print(f"privacy notice list: {few} queries with 3 patients, {many} with 63")


def test_the_list_is_recorded_in_the_access_log(alpha, login):
    shown = portal_patient(alpha.clinic, "Lena", "Listed")
    agreed = portal_patient(
        alpha.clinic, "Anna", "Agreed", agreed=[(GENERIC_NOTICE_VERSION, datetime.now(UTC))]
    )
    login(alpha.owner).get(URL)
    with scopes_disabled():
        events = AccessEvent.objects.filter(organization=alpha.org, actor=alpha.owner, action="list")
        assert set(events.values_list("patient_id", "category")) == {(shown.pk, "demographics")}
        assert not events.filter(patient=agreed).exists()


@pytest.fixture
def sends(django_capture_on_commit_callbacks):
    """Run what a request queues for after its commit (the emails), as a worker would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_remind_one_then_all_sends_one_email_per_patient_and_version_in_their_language(alpha, login, sends):
    german = portal_patient(alpha.clinic, "Greta", "Deutsch", preferred_language="de")
    portal_patient(alpha.clinics[1], "Emma", "English")
    client = Sending(login(alpha.owner), sends)

    one = client.post(REMIND, {"patient": german.pk})
    assert one.status_code == 302 and one["Location"] == URL
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["greta.deutsch@example.test"]
    assert sent.subject == "Unsere Datenschutzerklärung hat sich geändert"
    assert f"/c/{alpha.clinic.slug}/account/login/" in sent.body and alpha.org.name in sent.body

    everyone = client.post(REMIND, {"all": "1"}, follow=True)
    assert "A reminder is on its way to 1 patient." in everyone.content.decode()
    assert [m.to for m in mail.outbox] == [["greta.deutsch@example.test"], ["emma.english@example.test"]]
    assert mail.outbox[1].subject == "Our privacy notice has changed"
    # The clinic the patient is seen at: Emma's sign-in link opens the Riverside portal.
    assert f"/c/{alpha.clinics[1].slug}/account/login/" in mail.outbox[1].body

    again = client.post(REMIND, {"all": "1"}, follow=True)
    assert "Nobody to remind" in again.content.decode() and len(mail.outbox) == 2
    assert client.post(REMIND, {"patient": german.pk}).status_code == 302 and len(mail.outbox) == 2
    page = client.get(URL).content.decode()
    assert page.count("Reminded ") == 2

    # A new version of the notice: each is reminded once more.
    notice_changes(alpha)
    client.post(REMIND, {"all": "1"})
    assert len(mail.outbox) == 4
    with scope(organization=alpha.org.pk):
        reminders = NoticeReminder.objects.filter(organization=alpha.org)
        versions = sorted(reminders.values_list("version", flat=True))
        assert versions == [GERMAN] * 2 + [GENERIC_NOTICE_VERSION] * 2
        assert all(r.sent_at and r.queued_by == alpha.owner for r in reminders)


def test_remind_all_within_a_clinic_reminds_that_clinics_patients_only(alpha, login, sends):
    portal_patient(alpha.clinics[0], "Dora", "Downtown")
    portal_patient(alpha.clinics[1], "Rita", "Riverside")
    client = Sending(login(alpha.owner), sends)
    done = client.post(REMIND, {"all": "1", "clinic": alpha.clinics[1].slug})
    assert done["Location"] == f"{URL}?clinic={alpha.clinics[1].slug}"
    assert [m.to for m in mail.outbox] == [["rita.riverside@example.test"]]
    wrong = client.post(REMIND, {"all": "1", "clinic": "elsewhere"}, follow=True)
    assert "Choose a clinic from the list." in wrong.content.decode() and len(mail.outbox) == 1


def test_a_patient_who_agreed_before_the_email_left_is_not_written_to(alpha, login):
    patient = portal_patient(alpha.clinic, "Quick", "Agreer")
    # Nothing runs what the request queued for after its commit: the reminder waits for a worker.
    login(alpha.owner).post(REMIND, {"all": "1"})
    with scope(organization=alpha.org.pk):
        reminder = NoticeReminder.objects.get(patient=patient)
        record_notice_consent(reminder.user, alpha.org, GENERIC_NOTICE_VERSION)
        assert emails.send_notice_reminder(alpha.clinic, reminder.pk) is False
        reminder.refresh_from_db()
    assert mail.outbox == [] and reminder.sent_at is None


def test_bad_input_and_other_organizations_patients_are_404(alpha, beta, login):
    theirs = portal_patient(beta.clinic, "Bert", "Beta")
    client = login(alpha.owner)
    for wrong in (theirs.pk, "abc", "", "-3", "99999999999999999999"):
        assert client.post(REMIND, {"patient": wrong}).status_code == 404, wrong
    assert client.get(REMIND).status_code == 405
    assert "Beta" not in " ".join(listed(client.get(URL)))
    assert mail.outbox == []
    with scopes_disabled():
        assert not NoticeReminder.objects.exists()


@pytest.mark.parametrize("role", ["practitioner", "staff"])
def test_other_roles_get_404_and_no_link(alpha, login, role):
    portal_patient(alpha.clinic, "Nina", "Never")
    client = login(getattr(alpha, role))
    assert client.get(URL).status_code == 404
    assert client.post(REMIND, {"all": "1"}).status_code == 404
    assert URL not in client.get("/office/").content.decode()
    assert mail.outbox == []


def test_a_patient_seen_only_at_an_archived_clinic_is_listed_but_not_reminded(alpha, login, sends):
    closed = portal_patient(alpha.clinics[1], "Clara", "Closed")
    with scopes_disabled():
        Clinic.objects.filter(pk=alpha.clinics[1].pk).update(archived=True)
    client = Sending(login(alpha.owner), sends)
    page = client.get(URL)
    assert listed(page) == ["Closed, Clara"]
    assert 'data-testid="remind-one"' not in page.content.decode()
    assert "Nobody to remind" in client.post(REMIND, {"all": "1"}, follow=True).content.decode()
    assert mail.outbox == []
    with scopes_disabled():
        assert not NoticeReminder.objects.filter(patient=closed).exists()
