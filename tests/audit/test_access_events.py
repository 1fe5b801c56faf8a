"""What a request shows becomes access events: one per patient, category and action, never per query."""

from collections import Counter

import pytest
from django_scopes import scopes_disabled

from core.audit.models import AccessEvent
from tests.api.conftest import Api

from .helpers import accesses

pytestmark = pytest.mark.django_db


def _categories(patient) -> Counter:
    with scopes_disabled():
        return Counter(AccessEvent.objects.filter(patient=patient).values_list("category", flat=True))


def test_opening_a_chart_records_one_event_per_category(alpha, login):
    client = login(alpha.owner)
    assert client.get(f"/office/patients/{alpha.patient.pk}/").status_code == 200
    shown = _categories(alpha.patient)
    assert shown == Counter({"demographics": 1, "clinical_lists": 1})
    with scopes_disabled():
        event = AccessEvent.objects.get(patient=alpha.patient, category="demographics")
    assert (event.actor_id, event.role, event.channel, event.action) == (
        alpha.owner.pk,
        "owner",
        "office",
        "view",
    )
    assert event.organization_id == alpha.org.pk
    assert event.request_id and event.client_address == "127.0.0.1"
    # A second visit is a second event: one per request.
    client.get(f"/office/patients/{alpha.patient.pk}/")
    assert _categories(alpha.patient)["demographics"] == 2


def test_a_chart_tab_records_its_own_category(alpha, login):
    client = login(alpha.practitioner)
    url = f"/office/c/{alpha.clinic.slug}/records/patients/{alpha.patient.pk}/notes/"
    assert client.get(url).status_code == 200
    assert _categories(alpha.patient)["clinical_notes"] == 1


def test_a_refused_request_records_nothing(alpha, beta, login):
    client = login(beta.owner)
    assert client.get(f"/office/patients/{alpha.patient.pk}/").status_code == 404
    assert accesses(patient=alpha.patient) == []
    staff = login(alpha.staff)
    url = f"/office/c/{alpha.clinic.slug}/records/patients/{alpha.patient.pk}/notes/"
    assert staff.get(url).status_code == 404
    assert accesses(patient=alpha.patient) == []


def test_the_api_records_with_its_channel(alpha, login):
    api = Api(login(alpha.owner))
    assert api.get(f"/patients/{alpha.patient.pk}").status_code == 200
    assert accesses(patient=alpha.patient) == [(alpha.patient.pk, "demographics", "view", "api")]


def test_a_search_records_each_patient_listed(alpha, login):
    from tests.factories import make_patient

    with scopes_disabled():
        other = make_patient(alpha.clinic, "Olga", "Alphapatient")
    client = login(alpha.owner)
    assert client.get("/office/patients/", {"q": "Alphapatient"}).status_code == 200
    assert accesses(category="demographics") == sorted(
        [(alpha.patient.pk, "demographics", "list", "office"), (other.pk, "demographics", "list", "office")]
    )


def test_an_invoice_pdf_is_a_print_of_invoices(alpha, login):
    from plugins.billing.services.issuing import issue
    from tests.test_isolation_pages import make_invoice

    with scopes_disabled():
        invoice = issue(make_invoice(alpha))
    client = login(alpha.owner)
    response = client.get(f"/office/c/{alpha.clinic.slug}/billing/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert accesses(patient=alpha.patient) == [(alpha.patient.pk, "invoices", "print", "office")]


def test_the_portal_records_the_patients_own_views(alpha):
    from tests.audit.test_route_walk import _portal_client

    client = _portal_client(alpha)
    assert client.get(f"/c/{alpha.clinic.slug}/account/appointments/").status_code == 200
    assert accesses(patient=alpha.patient) == [(alpha.patient.pk, "appointments", "view", "portal")]


def test_fhir_reads_are_recorded_with_their_channel(alpha):
    from django.test import Client

    from core.accounts.tokens import create_token

    with scopes_disabled():
        _record, token = create_token(alpha.owner, alpha.org, "fhir")
    response = Client().get(
        f"/fhir/R4/Patient/{alpha.patient.pk}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert accesses(patient=alpha.patient) == [(alpha.patient.pk, "demographics", "view", "fhir")]
