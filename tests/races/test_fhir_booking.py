"""One time booked once over FHIR, however many apps ask for it at the same instant: the booking service's
database constraint decides, and every loser gets a 409 OperationOutcome."""

import pytest
from django_scopes import scopes_disabled

from plugins.scheduling.models import Appointment
from tests.factories import make_patient
from tests.fhir.conftest import appointment_body, make_bookable, next_day_at
from tests.fhir.validation import check_resource
from tests.parallel_http import fire, status_counts

REQUESTS = 24


@pytest.mark.django_db(transaction=True)
def test_parallel_fhir_bookings_of_one_time_book_it_once(live_server, clinic_team):
    with scopes_disabled():
        make_bookable(clinic_team)
        patients = [make_patient(clinic_team.clinic, f"Racer{n}", "Parallel") for n in range(REQUESTS)]
    start = next_day_at(clinic_team, 10)
    bodies = [appointment_body(clinic_team, start, patient) for patient in patients]
    headers = {**clinic_team.headers, "Content-Type": "application/fhir+json"}

    responses = fire("POST", f"{live_server.url}/fhir/R4/Appointment", bodies, headers)

    counts = status_counts(responses)
    print(f"{REQUESTS} parallel FHIR bookings of one time: {dict(counts)}")
    assert counts == {201: 1, 409: REQUESTS - 1}
    for response in responses:
        check_resource(response.json())
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {outcome["issue"][0]["code"] for outcome in refused} == {"conflict"}
    with scopes_disabled():
        booked = Appointment.objects.filter(organization=clinic_team.org, start=start)
        assert booked.count() == 1
