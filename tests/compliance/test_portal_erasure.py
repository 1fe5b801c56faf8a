"""“Erase my data” in the portal (GDPR Art. 17): the patient asks a practice they are a patient of, after a
confirm step; the request waits for the owner's decision (one at a time), the owners are emailed in their
own language, and the patient then sees the decision with the legal ground of what is kept."""

import pytest
from django.core import mail
from django.test import Client
from django_scopes import scope, scopes_disabled

from core.compliance.models import ErasureRequest, RequestChannel
from core.tenancy.models import Organization
from tests.factories import PASSWORD, link_patient_login, make_user
from tests.test_isolation_pages import make_records_objects

pytestmark = pytest.mark.django_db


def portal_patient(*tenants) -> Client:
    with scopes_disabled():
        user = make_user("asker@example.test")
        for tenant in tenants:
            link_patient_login(tenant.patient, user)
    client = Client()
    assert (
        client.post(
            f"/c/{tenants[0].clinic.slug}/account/login/",
            {"username": "asker@example.test", "password": PASSWORD},
        ).status_code
        == 302
    )
    return client


def requests_of(tenant):
    with scope(organization=tenant.org.pk):
        return list(ErasureRequest.objects.filter(organization=tenant.org, patient=tenant.patient))


def test_the_patient_asks_confirms_and_the_owners_are_emailed(alpha, django_capture_on_commit_callbacks):
    client = portal_patient(alpha)
    url = f"/c/{alpha.clinic.slug}/account/erasure/"
    page = client.get(url).content.decode()
    assert alpha.org.name in page and 'data-testid="erasure-form"' in page

    confirm = client.post(url, {"organization": alpha.org.pk, "note": "Moving abroad"})
    assert confirm.status_code == 200 and "Confirm your erasure request" in confirm.content.decode()
    assert requests_of(alpha) == [] and not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"organization": alpha.org.pk, "note": "Moving abroad", "confirm": "yes"})
    assert sent.status_code == 302
    [recorded] = requests_of(alpha)
    assert recorded.channel == RequestChannel.PORTAL and recorded.is_pending
    assert recorded.note == "Moving abroad" and recorded.requested_by.email == "asker@example.test"
    [email] = mail.outbox
    assert email.to == [alpha.owner.email]
    assert "asked for their data to be erased" in email.subject and "Moving abroad" in email.body
    assert f"/office/settings/privacy/erasure/{recorded.pk}/" in email.body
    assert alpha.patient.family_name not in email.body  # the record number only

    page = client.get(url).content.decode()
    assert "Waiting for a decision" in page and 'data-testid="erasure-form"' not in page
    again = client.post(url, {"organization": alpha.org.pk, "confirm": "yes"}, follow=True)
    assert "already waiting for a decision" in again.content.decode()
    assert len(requests_of(alpha)) == 1


def test_the_decision_shows_what_the_law_keeps_and_why(alpha, login):
    with scopes_disabled():
        Organization.objects.filter(pk=alpha.org.pk).update(country="DE")
        with scope(organization=alpha.org.pk):
            make_records_objects(alpha)
    client = portal_patient(alpha)
    url = f"/c/{alpha.clinic.slug}/account/erasure/"
    client.post(url, {"organization": alpha.org.pk, "confirm": "yes"})
    [recorded] = requests_of(alpha)
    decided = login(alpha.owner).post(f"/office/settings/privacy/erasure/{recorded.pk}/")
    assert decided.status_code == 302

    page = client.get(url).content.decode()
    [recorded] = requests_of(alpha)
    assert recorded.status == "partly_erased"
    assert "Partly erased" in page and "Clinical record" in page
    assert "§ 630f Abs. 3 BGB" in page and "Kept until" in page  # the clinical record's legal ground
    assert 'data-testid="erasure-form"' in page  # decided: a new request may be sent


def test_another_organization_or_a_malformed_one_is_404_and_a_long_message_is_refused(alpha, beta):
    client = portal_patient(alpha)
    url = f"/c/{alpha.clinic.slug}/account/erasure/"
    for organization in (beta.org.pk, "x", "-1", "99999999999999999999999"):
        response = client.post(url, {"organization": organization, "confirm": "yes"})
        assert response.status_code == 404, organization
    too_long = client.post(url, {"organization": alpha.org.pk, "note": "x" * 501, "confirm": "yes"})
    assert too_long.status_code == 400
    assert requests_of(alpha) == [] and requests_of(beta) == []


def test_a_patient_of_two_practices_asks_each_apart(alpha, beta):
    client = portal_patient(alpha, beta)
    url = f"/c/{alpha.clinic.slug}/account/erasure/"
    page = client.get(url).content.decode()
    assert alpha.org.name in page and beta.org.name in page
    client.post(url, {"organization": beta.org.pk, "confirm": "yes"})
    assert len(requests_of(beta)) == 1 and requests_of(alpha) == []


def test_visitors_are_sent_to_sign_in(alpha):
    response = Client().get(f"/c/{alpha.clinic.slug}/account/erasure/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]
