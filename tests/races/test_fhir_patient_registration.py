"""One person registered once over FHIR, however many apps register them at the same instant: the
registration service's duplicate check is serialised, and every later request gets a 409 naming the
first one's patient."""

import pytest
from django_scopes import scopes_disabled

from core.patients.models import Patient
from tests.fhir.validation import check_resource
from tests.parallel_http import fire, status_counts

REQUESTS = 20


@pytest.mark.django_db(transaction=True)
def test_parallel_fhir_registrations_of_one_person(live_server, clinic_team):
    body = {
        "resourceType": "Patient",
        "name": [{"family": "Concurrent", "given": ["Ada"]}],
        "birthDate": "1980-02-29",
        "extension": [
            {
                "url": "http://testserver/fhir/StructureDefinition/registering-clinic",
                "valueReference": {"reference": f"Location/{clinic_team.clinic.pk}"},
            }
        ],
    }
    headers = {**clinic_team.headers, "Content-Type": "application/fhir+json"}

    responses = fire("POST", f"{live_server.url}/fhir/R4/Patient", [body] * REQUESTS, headers)

    counts = status_counts(responses)
    print(f"{REQUESTS} parallel FHIR registrations of one person: {dict(counts)}")
    assert counts == {201: 1, 409: REQUESTS - 1}
    for response in responses:
        check_resource(response.json())
    [registered] = [r.json()["id"] for r in responses if r.status_code == 201]
    for outcome in (r.json() for r in responses if r.status_code == 409):
        assert outcome["issue"][0]["code"] == "duplicate"
        assert outcome["issue"][1]["diagnostics"].endswith(f"Patient/{registered}")
    with scopes_disabled():
        assert Patient.objects.filter(organization=clinic_team.org, family_name="Concurrent").count() == 1
