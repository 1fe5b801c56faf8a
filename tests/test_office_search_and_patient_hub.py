"""The office search in every page's header (patients, invoices by number, appointments of the patients
found) and the patient page as the hub of what each module knows about the patient."""

from datetime import timedelta

import pytest
from django.db.models import F
from django_scopes import scope, scopes_disabled

from core.tenancy.services import set_module_enabled
from plugins.billing.services.drafts import create_draft
from plugins.billing.services.issuing import issue
from plugins.billing.services.lines import add_line
from plugins.billing.services.payments import record_payment
from plugins.scheduling.models import Appointment
from tests.factories import make_patient

pytestmark = pytest.mark.django_db

SEARCH = "/office/search/"


def appointment_in(tenant, days: int):
    """The patient's appointment ``days`` from now (negative: in the past), booked by override."""
    from django.utils import timezone

    from plugins.scheduling.models import Service, ServicePractitioner
    from plugins.scheduling.services.booking import book_appointment

    doctor = tenant.memberships["practitioner"]
    service, created = Service.objects.get_or_create(
        organization=tenant.org,
        clinic=tenant.clinic,
        name="Consultation",
        defaults={"duration_minutes": 30, "price": "50.00"},
    )
    if created:
        ServicePractitioner.objects.create(organization=tenant.org, service=service, membership=doctor)
    ahead = abs(days) + 400  # booked far ahead, then moved back when the test wants it in the past
    appointment = book_appointment(
        clinic=tenant.clinic,
        practitioner=doctor,
        patient=tenant.patient,
        service=service,
        start=timezone.now() + timedelta(days=ahead if days < 0 else days),
        by=tenant.owner,
        override=True,
    )
    if days < 0:
        shift = timedelta(days=ahead - days)
        Appointment.objects.filter(pk=appointment.pk).update(
            start=F("start") - shift,
            end=F("end") - shift,
            occupied_start=F("occupied_start") - shift,
            occupied_end=F("occupied_end") - shift,
        )
        appointment.refresh_from_db()
    return appointment


@pytest.fixture
def front_desk(alpha):
    """Alpha's patient with an appointment in three days, one last month, and an invoice part paid."""
    with scopes_disabled(), scope(organization=alpha.org.pk):
        alpha.upcoming = appointment_in(alpha, 3)
        alpha.past = appointment_in(alpha, -40)
        invoice = create_draft(clinic=alpha.clinic, patient=alpha.patient, by=alpha.owner)
        add_line(invoice, description="Consultation", quantity=1, unit_price="90.00")
        alpha.invoice = issue(invoice)
        record_payment(alpha.invoice, amount="30.00", method="cash")
        alpha.invoice.refresh_from_db()
    return alpha


def test_header_search_box_with_its_keyboard_shortcut_is_on_every_office_page(alpha, login):
    page = login(alpha.staff).get("/office/").content.decode()
    assert 'role="search"' in page and 'aria-keyshortcuts="/ Control+K"' in page
    assert "js/office-search.js" in page


def test_search_finds_patients_invoices_by_number_and_appointments(
    front_desk, login, django_assert_max_num_queries
):
    client = login(front_desk.owner)
    client.get(SEARCH, {"q": "x"})
    with django_assert_max_num_queries(16):
        by_name = client.get(SEARCH, {"q": front_desk.patient.family_name})
    page = by_name.content.decode()
    assert f"{front_desk.patient.family_name}, {front_desk.patient.given_name}" in page
    assert "Upcoming appointments" in page and "Consultation" in page
    assert f"/scheduling/appointments/{front_desk.upcoming.pk}/" in page
    assert f"/scheduling/appointments/{front_desk.past.pk}/" not in page  # upcoming only

    number = front_desk.invoice.number
    with django_assert_max_num_queries(16):
        by_number = client.get(SEARCH, {"q": number})
    page = by_number.content.decode()
    assert f"Invoice {number}" in page and "$60.00 due" in page


def test_search_stays_inside_what_the_member_may_see(front_desk, beta, login):
    with scopes_disabled():
        make_patient(beta.clinic, "Zebedee", "Elsewhere")
    client = login(front_desk.staff)
    assert "Elsewhere" not in client.get(SEARCH, {"q": "Zebedee"}).content.decode()
    theirs = login(beta.owner).get(SEARCH, {"q": front_desk.invoice.number}).content.decode()
    assert f"Invoice {front_desk.invoice.number}" not in theirs
    theirs = login(beta.owner).get(SEARCH, {"q": front_desk.patient.family_name}).content.decode()
    assert f"/office/patients/{front_desk.patient.pk}/" not in theirs


def test_hook_clinic_office_search(front_desk, login):
    client = login(front_desk.owner)
    number = front_desk.invoice.number
    assert f"Invoice {number}" in client.get(SEARCH, {"q": number}).content.decode()
    with scope(organization=front_desk.org.pk):
        set_module_enabled(front_desk.clinic, "billing", False)
    assert f"Invoice {number}" not in client.get(SEARCH, {"q": number}).content.decode()


def test_patient_page_is_the_hub(front_desk, login, django_assert_max_num_queries):
    client = login(front_desk.owner)
    url = f"/office/patients/{front_desk.patient.pk}/"
    client.get(url)
    with django_assert_max_num_queries(40):
        page = client.get(url).content.decode()
    assert 'data-testid="patient-appointments"' in page
    assert f"/scheduling/appointments/{front_desk.upcoming.pk}/" in page
    assert f"/scheduling/appointments/{front_desk.past.pk}/" in page
    assert 'data-testid="patient-invoices"' in page and front_desk.invoice.number in page
    assert "$60.00 due" in page
    assert 'data-testid="patient-messages"' in page
    assert f"?patient={front_desk.patient.pk}" in page  # book / invoice for this patient


def test_hook_clinic_patient_sections(front_desk, login):
    client = login(front_desk.owner)
    url = f"/office/patients/{front_desk.patient.pk}/"
    assert 'data-testid="patient-invoices"' in client.get(url).content.decode()
    with scope(organization=front_desk.org.pk):
        set_module_enabled(front_desk.clinic, "billing", False)
    page = client.get(url).content.decode()
    assert 'data-testid="patient-invoices"' not in page
    assert 'data-testid="patient-appointments"' in page


def test_patient_page_query_count_does_not_grow_with_history(
    front_desk, login, django_assert_max_num_queries
):
    with scopes_disabled(), scope(organization=front_desk.org.pk):
        for n in range(8):
            appointment_in(front_desk, 10 + n)
            invoice = create_draft(clinic=front_desk.clinic, patient=front_desk.patient, by=front_desk.owner)
            add_line(invoice, description="Follow-up", quantity=1, unit_price="40.00")
            issue(invoice)
    client = login(front_desk.owner)
    url = f"/office/patients/{front_desk.patient.pk}/"
    client.get(url)
    with django_assert_max_num_queries(40):
        page = client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count("Follow-up") == 0  # invoices are listed by number, at most six
    assert "All invoices" in page.content.decode()


def test_the_patient_page_and_the_search_write_dates_one_way(front_desk, login):
    """Every date on the patient page and in the office search reads like "Mar 14, 1991" (core.dates.day),
    never a mix of "14 Mar 1991", "03/14/1991" and "March 14, 1991"."""
    from datetime import date

    from django.utils import timezone

    from core.dates import day

    with scopes_disabled():
        type(front_desk.patient).objects.filter(pk=front_desk.patient.pk).update(
            date_of_birth=date(1991, 3, 14)
        )
    client = login(front_desk.owner)
    upcoming = timezone.localtime(front_desk.upcoming.start, front_desk.clinic.tzinfo)
    page = client.get(f"/office/patients/{front_desk.patient.pk}/").content.decode()
    assert "born Mar 14, 1991" in page
    assert f"{day(upcoming.date())}, {upcoming:%H:%M}" in page  # the appointment, on the clinic's clock
    assert day(front_desk.invoice.issue_date) in page
    for other_style in ("14 Mar 1991", "03/14/1991", "March 14, 1991", "Mar. 14, 1991"):
        assert other_style not in page
    found = client.get(SEARCH, {"q": front_desk.patient.family_name}).content.decode()
    assert "born Mar 14, 1991" in found and f"{day(upcoming.date())}, {upcoming:%H:%M}" in found
    assert "03/14/1991" not in found and "14 Mar 1991" not in found
