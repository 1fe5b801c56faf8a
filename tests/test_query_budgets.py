"""Query budgets of the benchmark's core scenarios (docs/performance.md): the floor (one tenant-scoped
lookup through the API), patient search by a name fragment and the patient's page. Pinned at what each
costs now, so a regression shows in the suite without running the benchmark."""

import pytest

from tests.factories import make_patient

FLOOR = 2  # the user with their memberships, the clinic (the session is read from the cache: 4, then 3)
# Pages that show patients write their access events in one INSERT at the end of the request (core/audit);
# the search reads its page and its capped count in one query (core/paging.py), and its clinic filter offers
# the clinics the switcher already read.
PATIENT_SEARCH = 4
# The patient page is the front desk's hub: scheduling (upcoming, past), billing (invoices, what is due)
# and notifications (latest messages) each add their section's bounded queries; the privacy notice the
# patient last agreed to through the portal is one more.
PATIENT_DETAIL = 13

pytestmark = pytest.mark.django_db


def test_floor(alpha, login, django_assert_max_num_queries):
    client = login(alpha.staff)
    url = f"/api/v1/clinics/{alpha.clinic.pk}"
    client.get(url)
    with django_assert_max_num_queries(FLOOR):
        response = client.get(url)
    assert response.status_code == 200 and response.json()["id"] == alpha.clinic.pk


def test_patient_search_and_detail(alpha, login, django_assert_max_num_queries):
    for i in range(15):
        make_patient(alpha.clinic, f"Emma{i}", "Smith")
    client = login(alpha.staff)
    client.get("/office/patients/")
    with django_assert_max_num_queries(PATIENT_SEARCH):
        response = client.get("/office/patients/?q=smi")
    assert response.status_code == 200 and "Emma3" in response.content.decode()
    with django_assert_max_num_queries(PATIENT_DETAIL):
        response = client.get(f"/office/patients/{alpha.patient.pk}/")
    assert response.status_code == 200


def test_module_switches_are_read_once_per_request(alpha, django_assert_num_queries):
    from django_scopes import scope

    from core.tenancy import modules as gating
    from core.tenancy.models import Clinic, ClinicModule

    def fresh():  # the clinic loaded afresh, as a module's code does (an invoice's, an appointment's)
        return Clinic.objects.get(pk=alpha.clinic.pk)

    with scope(organization=alpha.org.pk):
        gating._request_begins()
        try:
            assert "billing" in gating.enabled_modules(fresh())
            again = fresh()
            with django_assert_num_queries(0):
                assert "billing" in gating.enabled_modules(again)
            # A switch within the request is seen at once (the services forget what was read).
            ClinicModule.objects.create(organization=alpha.org, clinic=again, module="billing", enabled=False)
            gating.forget_enabled_modules(again)
            assert "billing" not in gating.enabled_modules(fresh())
        finally:
            gating._request_ends()
        # Outside a request (a worker process) every fresh object reads the switches.
        outside = fresh()
        with django_assert_num_queries(1):
            assert "billing" not in gating.enabled_modules(outside)
