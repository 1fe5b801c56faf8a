"""One person registered once, however many requests register them at the same instant."""

import pytest
from django_scopes import scopes_disabled

from core.patients.models import Patient
from tests.parallel_http import fire, status_counts

REQUESTS = 20


@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_of_one_person_register_one_patient(live_server, clinic_team):
    body = {
        "clinic_id": clinic_team.clinic.pk,
        "given_name": "Ada",
        "family_name": "Parallel",
        "date_of_birth": "1980-02-29",
    }
    # Spelling varies as it does at a front desk; the duplicate check ignores case and spaces around.
    bodies = [dict(body, given_name=" ada " if n % 2 else "Ada") for n in range(REQUESTS)]

    responses = fire("POST", f"{live_server.url}/api/v1/patients", bodies, clinic_team.headers)

    counts = status_counts(responses)
    print(f"{REQUESTS} parallel registrations of one person: {dict(counts)}")
    assert counts == {201: 1, 409: REQUESTS - 1}
    [registered] = [r.json()["id"] for r in responses if r.status_code == 201]
    for refused in (r.json() for r in responses if r.status_code == 409):
        assert refused["error"]["code"] == "possible_duplicates"
        assert [d["id"] for d in refused["error"]["possible_duplicates"]] == [registered]
    with scopes_disabled():
        assert Patient.objects.filter(organization=clinic_team.org, family_name="Parallel").count() == 1
