"""A patient who presses “Send my erasure request” twice (or in two tabs) at the same instant leaves one
request waiting for a decision: the partial unique index decides between them."""

import pytest
from django.core import mail
from django.test import Client
from django_scopes import scopes_disabled

from core.compliance.models import ErasureRequest
from tests.factories import PASSWORD, link_patient_login, make_user
from tests.parallel_http import fire, status_counts

REQUESTS = 10


@pytest.mark.django_db(transaction=True)
def test_parallel_portal_erasure_requests_leave_one_request(live_server, clinic_team):
    with scopes_disabled():
        link_patient_login(clinic_team.patient, make_user("twice@example.test"))
    client = Client()
    signed_in = client.post(
        f"/c/{clinic_team.clinic.slug}/account/login/",
        {"username": "twice@example.test", "password": PASSWORD},
    )
    assert signed_in.status_code == 302
    session = {"sessionid": client.cookies["sessionid"].value}
    url = f"{live_server.url}/c/{clinic_team.clinic.slug}/account/erasure/"
    body = {"organization": str(clinic_team.org.pk), "note": "Please erase", "confirm": "yes"}

    responses = fire("POST", url, [body] * REQUESTS, form=True, cookies=[session] * REQUESTS)

    counts = status_counts(responses)
    print(f"{REQUESTS} parallel portal erasure requests of one patient: {dict(counts)}")
    # Every answer is the page again (sent, or "already waiting"), never an error.
    assert counts == {302: REQUESTS}
    with scopes_disabled():
        assert ErasureRequest.objects.filter(patient=clinic_team.patient).count() == 1
    assert len(mail.outbox) == 1  # the owner is told once
