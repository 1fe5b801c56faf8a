"""A patient's erasure request recorded once and decided once, however many requests arrive together."""

import pytest
from django.apps import apps
from django_scopes import scopes_disabled

from core.compliance.models import ErasureRequest
from core.tenancy.models import Organization
from tests.parallel_http import fire, status_counts

REQUESTS = 20


@pytest.mark.django_db(transaction=True)
def test_parallel_erasure_requests_leave_one_open_request_decided_once(live_server, clinic_team):
    with scopes_disabled():
        Organization.objects.filter(pk=clinic_team.org.pk).update(country="FR")
    patient = clinic_team.patient
    url = f"{live_server.url}/api/v1/patients/{patient.pk}/erasure-requests"

    responses = fire("POST", url, [{"note": f"Request {n}"} for n in range(REQUESTS)], clinic_team.headers)

    counts = status_counts(responses)
    print(f"{REQUESTS} parallel erasure requests of one patient: {dict(counts)}")
    assert counts == {201: 1, 409: REQUESTS - 1}
    assert all(r.json()["error"]["code"] == "open_request" for r in responses if r.status_code == 409)
    with scopes_disabled():
        [recorded] = ErasureRequest.objects.filter(patient=patient)

    carry_out = f"{live_server.url}/api/v1/privacy/erasure-requests/{recorded.pk}/carry-out"
    decided = fire("POST", carry_out, [{}] * REQUESTS, clinic_team.headers)

    counts = status_counts(decided)
    print(f"{REQUESTS} parallel decisions of one erasure request: {dict(counts)}")
    assert counts == {200: 1, 409: REQUESTS - 1}
    with scopes_disabled():
        recorded.refresh_from_db()
        assert recorded.status == "erased"
        # One history row for the recording, one for the decision: no second decision slipped through.
        events = apps.get_model("compliance", "ErasureRequestEvent").objects.filter(pgh_obj_id=recorded.pk)
        assert events.count() == 2
