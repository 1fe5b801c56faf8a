"""Contract tests for the resources modules contribute (scheduling: HealthcareService, Schedule, Slot,
Appointment; billing: Invoice), and the writes: booking and cancelling appointments, registering
patients."""

from datetime import timedelta

import pytest
from django_scopes import scope, scopes_disabled

from core.tenancy.services import set_module_enabled
from tests.factories import make_patient
from tests.fhir.conftest import appointment_body, make_bookable, next_day_at


def book(tenant, start, patient=None):
    from plugins.scheduling.services.booking import book_appointment

    return book_appointment(
        clinic=tenant.clinic,
        practitioner=tenant.doctor,
        patient=patient or tenant.patient,
        service=tenant.service,
        start=start,
        by=tenant.owner,
    )


def issued_invoice(tenant):
    from plugins.billing.services.drafts import create_draft
    from plugins.billing.services.issuing import issue
    from plugins.billing.services.lines import add_line

    invoice = create_draft(clinic=tenant.clinic, patient=tenant.patient, by=tenant.owner)
    add_line(invoice, description="Consultation", quantity="1", unit_price="50")
    return issue(invoice, by=tenant.owner)


@pytest.fixture
def two_clinics(alpha, beta):
    with scopes_disabled():
        for tenant in (alpha, beta):
            make_bookable(tenant)
            tenant.appointment = book(tenant, next_day_at(tenant, 9))
            tenant.invoice = issued_invoice(tenant)
    return alpha, beta


def ids_of(tenant):
    return {
        "HealthcareService": tenant.service.pk,
        "Schedule": tenant.doctor.pk,
        "Appointment": tenant.appointment.pk,
        "Invoice": tenant.invoice.pk,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("resource_type", ["HealthcareService", "Schedule", "Appointment", "Invoice"])
def test_read_search_and_other_organization(two_clinics, fhir_as, resource_type):
    alpha, beta = two_clinics
    fhir = fhir_as(alpha.owner, alpha.org)
    own, other = ids_of(alpha)[resource_type], ids_of(beta)[resource_type]

    status, resource = fhir.get(f"{resource_type}/{own}")
    assert status == 200 and resource["id"] == str(own)
    status, bundle = fhir.get(resource_type)
    assert status == 200 and bundle["total"] == 1
    assert bundle["entry"][0]["resource"] == resource
    status, bundle = fhir.get(resource_type, _count="0")
    assert status == 200 and bundle["total"] == 1 and bundle["entry"] == []

    for missing in (other, 987654321):
        status, outcome = fhir.get(f"{resource_type}/{missing}")
        assert status == 404 and outcome["issue"][0]["code"] == "not-found"
    status, bundle = fhir.get(resource_type, _id=str(other))
    assert bundle["total"] == 0


@pytest.mark.django_db
def test_appointment_search_parameters(two_clinics, fhir_as):
    alpha, _beta = two_clinics
    fhir = fhir_as(alpha.owner, alpha.org)
    start = alpha.appointment.start.astimezone(alpha.clinic.tzinfo)
    own = str(alpha.appointment.pk)
    for params in (
        {"patient": f"Patient/{alpha.patient.pk}"},
        {"practitioner": f"Practitioner/{alpha.doctor.pk}"},
        {"location": f"Location/{alpha.clinic.pk}"},
        {"date": start.date().isoformat()},
        {"date": f"ge{start.date().isoformat()}"},
        {"status": "booked,pending"},
        {"_lastUpdated": "ge2020-01-01"},
    ):
        status, bundle = fhir.get("Appointment", **params)
        assert status == 200, bundle
        assert [e["resource"]["id"] for e in bundle["entry"]] == [own], params
    status, bundle = fhir.get("Appointment", date=f"lt{start.date().isoformat()}")
    assert bundle["total"] == 0
    status, outcome = fhir.get("Appointment", status="someday")
    assert status == 400


@pytest.mark.django_db
def test_a_module_switched_off_disappears_from_fhir(two_clinics, fhir_as):
    alpha, _beta = two_clinics
    fhir = fhir_as(alpha.owner, alpha.org)
    with scope(organization=alpha.org.pk):
        set_module_enabled(alpha.clinic, "scheduling", False)
        set_module_enabled(alpha.clinic, "billing", False)
    for resource_type, pk in ids_of(alpha).items():
        status, _outcome = fhir.get(f"{resource_type}/{pk}")
        assert status == 404, resource_type
        status, bundle = fhir.get(resource_type)
        assert bundle["total"] == 0, resource_type


@pytest.mark.django_db
def test_slots_are_the_engines_free_times(two_clinics, fhir_as):
    alpha, beta = two_clinics
    fhir = fhir_as(alpha.owner, alpha.org)
    status, outcome = fhir.get("Slot")
    assert status == 400 and outcome["resourceType"] == "OperationOutcome"

    day = next_day_at(alpha, 0).date().isoformat()
    status, bundle = fhir.get("Slot", **{"service-type": str(alpha.service.pk), "start": day})
    assert status == 200
    starts = [e["resource"]["start"] for e in bundle["entry"]]
    # 08:00-18:00 in 30-minute steps, less the appointment at 09:00.
    assert bundle["total"] == 19 and len(starts) == 19
    assert next_day_at(alpha, 9).isoformat() not in starts
    assert next_day_at(alpha, 8).isoformat() == starts[0]

    first = bundle["entry"][0]["resource"]
    status, again = fhir.get(f"Slot/{first['id']}")
    assert status == 200 and again == first
    with scopes_disabled():
        book(alpha, next_day_at(alpha, 8))
    status, _outcome = fhir.get(f"Slot/{first['id']}")
    assert status == 404

    # Another organization's service has no slots here.
    status, bundle = fhir.get("Slot", **{"service-type": str(beta.service.pk), "start": day})
    assert bundle["total"] == 0
    status, bundle = fhir.get("Slot", **{"service-type": str(alpha.service.pk), "start": "ge2031-01-01"})
    assert status == 200 and bundle["total"] == 7 * 20  # a week from the start asked for
    assert bundle["entry"][0]["resource"]["start"].startswith("2031-01-01T08:00")
    status, outcome = fhir.get(
        "Slot", **{"service-type": str(alpha.service.pk), "start": ["ge2031-01-01", "lt2031-03-01"]}
    )
    assert status == 400  # more than 31 days


@pytest.mark.django_db
def test_booking_through_fhir_and_the_double_booking_refusal(two_clinics, fhir_as):
    alpha, _beta = two_clinics
    fhir = fhir_as(alpha.staff, alpha.org)
    start = next_day_at(alpha, 11)
    status, created = fhir.send("POST", "Appointment", appointment_body(alpha, start))
    assert status == 201, created
    assert created["status"] == "booked" and created["start"] == start.isoformat()

    with scopes_disabled():
        other = make_patient(alpha.clinic, "Second", "Comer")
    status, outcome = fhir.send("POST", "Appointment", appointment_body(alpha, start, other))
    assert status == 409 and outcome["issue"][0]["code"] == "conflict"
    assert any("Next free time" in i["diagnostics"] for i in outcome["issue"][1:])

    body = appointment_body(alpha, start + timedelta(hours=1))
    body["participant"][2]["actor"]["reference"] = "HealthcareService/999999"
    status, outcome = fhir.send("POST", "Appointment", body)
    assert status == 404
    body = appointment_body(alpha, start + timedelta(hours=1))
    del body["participant"][0]
    status, outcome = fhir.send("POST", "Appointment", body)
    assert status == 422 and "Patient" in outcome["issue"][0]["diagnostics"]
    status, outcome = fhir.send("POST", "Appointment", {**body, "start": "tomorrow"})
    assert status == 422


@pytest.mark.django_db
def test_cancelling_an_appointment(two_clinics, fhir_as):
    alpha, beta = two_clinics
    fhir = fhir_as(alpha.owner, alpha.org)
    pk = alpha.appointment.pk
    status, current = fhir.get(f"Appointment/{pk}")
    status, outcome = fhir.send("PUT", f"Appointment/{pk}", {**current, "status": "arrived"})
    assert status == 422
    status, outcome = fhir.send(
        "PUT",
        f"Appointment/{beta.appointment.pk}",
        {**current, "id": str(beta.appointment.pk), "status": "cancelled"},
    )
    assert status == 404
    stale = {**current, "status": "cancelled", "meta": {**current["meta"], "versionId": "99"}}
    status, outcome = fhir.send("PUT", f"Appointment/{pk}", stale)
    assert status == 409

    cancelled = {**current, "status": "cancelled", "cancelationReason": {"text": "Feeling better"}}
    status, updated = fhir.send("PUT", f"Appointment/{pk}", cancelled)
    assert status == 200 and updated["status"] == "cancelled"
    assert updated["cancelationReason"]["text"] == "Feeling better"
    assert updated["meta"]["versionId"] == str(int(current["meta"]["versionId"]) + 1)
    # Sending it again changes nothing.
    status, again = fhir.send("PUT", f"Appointment/{pk}", {**cancelled, "meta": updated["meta"]})
    assert status == 200 and again["meta"]["versionId"] == updated["meta"]["versionId"]


@pytest.mark.django_db
def test_practitioner_sees_own_invoices_only(two_clinics, fhir_as):
    alpha, _beta = two_clinics
    status, bundle = fhir_as(alpha.practitioner, alpha.org).get("Invoice")
    assert bundle["total"] == 0  # the invoice names no practitioner
    status, invoice = fhir_as(alpha.staff, alpha.org).get(f"Invoice/{alpha.invoice.pk}")
    assert status == 200 and invoice["status"] == "issued"
    assert (
        invoice["totalGross"]["value"] == 50.0 and invoice["identifier"][0]["value"] == alpha.invoice.number
    )


@pytest.mark.django_db
def test_registering_a_patient_with_the_duplicate_check(alpha, fhir_as):
    fhir = fhir_as(alpha.staff, alpha.org)
    body = {
        "resourceType": "Patient",
        "name": [{"use": "official", "family": "Newcomer", "given": ["Nia"]}],
        "gender": "female",
        "birthDate": "1985-04-03",
        "telecom": [{"system": "email", "value": "nia@example.test"}],
    }
    status, created = fhir.send("POST", "Patient", body)
    assert status == 201, created
    assert created["name"][0]["family"] == "Newcomer" and created["birthDate"] == "1985-04-03"
    status, outcome = fhir.send("POST", "Patient", body)
    assert status == 409 and outcome["issue"][0]["code"] == "duplicate"
    assert outcome["issue"][1]["diagnostics"].endswith(f"Patient/{created['id']}")

    status, outcome = fhir.send("POST", "Patient", {**body, "name": [{"family": "Only"}]})
    assert status == 422
    status, outcome = fhir.send("POST", "Patient", {**body, "birthDate": "1985-13-40"})
    assert status == 422
    status, outcome = fhir.send("POST", "Patient", {**body, "resourceType": "Practitioner"})
    assert status == 400
    # The owner works at two clinics and must say which one registers the patient.
    status, outcome = fhir_as(alpha.owner, alpha.org).send(
        "POST", "Patient", {**body, "name": [{"family": "Other", "given": ["Ola"]}]}
    )
    assert status == 422 and "registering-clinic" in outcome["issue"][0]["diagnostics"]


@pytest.mark.django_db
def test_include_brings_appointments_patients_and_clinics(two_clinics, fhir_as):
    alpha, _beta = two_clinics
    with scopes_disabled():
        elsewhere = make_patient(alpha.clinics[1], "Seen", "Elsewhere")
        book(alpha, next_day_at(alpha, 12), elsewhere)
    params = {"_include": ["Appointment:patient", "Appointment:location"]}
    status, bundle = fhir_as(alpha.owner, alpha.org).get("Appointment", **params)
    included = {(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"][2:]}
    assert included == {
        ("Patient", str(alpha.patient.pk)),
        ("Patient", str(elsewhere.pk)),
        ("Location", str(alpha.clinic.pk)),
    }


@pytest.mark.django_db
def test_booking_a_slot_found_by_search(two_clinics, fhir_as):
    alpha, _beta = two_clinics
    fhir = fhir_as(alpha.owner, alpha.org)
    day = next_day_at(alpha, 0).date().isoformat()
    status, bundle = fhir.get("Slot", **{"service-type": str(alpha.service.pk), "start": day})
    slot = bundle["entry"][3]["resource"]
    body = {
        "resourceType": "Appointment",
        "status": "booked",
        "slot": [{"reference": f"Slot/{slot['id']}"}],
        "participant": [{"actor": {"reference": f"Patient/{alpha.patient.pk}"}, "status": "accepted"}],
    }
    status, booked = fhir.send("POST", "Appointment", body)
    assert status == 201, booked
    assert booked["start"] == slot["start"] and booked["end"] == slot["end"]
    status, outcome = fhir.send("POST", "Appointment", body)
    assert status == 409
    status, _gone = fhir.get(f"Slot/{slot['id']}")
    assert status == 404
    for broken in (
        {**body, "slot": [{"reference": "Slot/nonsense"}]},
        {**body, "start": "2031-01-01T09:00:00+00:00"},
        {
            **body,
            "participant": [
                *body["participant"],
                {
                    "actor": {"reference": f"Practitioner/{alpha.memberships['staff'].pk}"},
                    "status": "accepted",
                },
            ],
        },
    ):
        status, outcome = fhir.send("POST", "Appointment", broken)
        assert status == 422, outcome
