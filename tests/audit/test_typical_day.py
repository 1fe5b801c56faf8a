"""How many audit rows a typical clinic day writes, measured through the real pages (docs/performance.md,
"Audit trail"): a clinic with two practitioners and 16 visits. The front desk opens today's list and the
calendar ten times each and registers the arrivals; each practitioner opens the chart, its notes and vitals
tabs of each of their patients; the front desk opens every visit's invoice once and prints it.

Access events are one per request, patient and category, so the day costs a few hundred rows, where a
log of every query (one per SELECT) would cost tens of thousands.
"""

from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from core.audit.models import AccessEvent, AuditEntry
from tests.factories import make_patient

from .helpers import chain_now

VISITS = 16


def _day(alpha):
    from plugins.scheduling.models import Service, ServicePractitioner
    from plugins.scheduling.services.booking import book_appointment
    from tests.test_isolation_pages import make_invoice

    with scopes_disabled():
        service = Service.objects.create(
            organization=alpha.org, clinic=alpha.clinic, name="Visit", duration_minutes=30, price="50.00"
        )
        doctor = alpha.memberships["practitioner"]
        ServicePractitioner.objects.create(organization=alpha.org, service=service, membership=doctor)
        # Today at the clinic, from 08:00 on its own clock.
        today = timezone.localdate(timezone=alpha.clinic.tzinfo)
        start = datetime.combine(today, time(8), tzinfo=alpha.clinic.tzinfo)
        patients = []
        for n in range(VISITS):
            patient = make_patient(alpha.clinic, f"Day{n}", "Visitor")
            book_appointment(
                clinic=alpha.clinic,
                practitioner=doctor,
                patient=patient,
                service=service,
                start=start + timedelta(minutes=30 * n),
                by=alpha.owner,
                override=True,
            )
            patients.append(patient)
        alpha.patient = patients[0]
        invoices = [make_invoice(alpha) for _ in patients]
        for invoice, patient in zip(invoices, patients, strict=True):
            invoice.patient = patient
            invoice.save(update_fields=["patient"])
    return patients, invoices


@pytest.mark.django_db
def test_a_typical_day_writes_a_few_hundred_rows(alpha, login):
    patients, invoices = _day(alpha)
    chain_now()
    with scopes_disabled():
        before_access = AccessEvent.objects.count()
        before_chain = AuditEntry.objects.count()
    desk, doctor = login(alpha.staff), login(alpha.practitioner)
    base = f"/office/c/{alpha.clinic.slug}"
    for _ in range(10):
        assert desk.get(f"{base}/scheduling/today/").status_code == 200
        assert desk.get(f"{base}/scheduling/").status_code == 200
    for patient in patients:
        assert doctor.get(f"/office/patients/{patient.pk}/").status_code == 200
        for tab in ("notes", "vitals"):
            assert doctor.get(f"{base}/records/patients/{patient.pk}/{tab}/").status_code == 200
    for invoice in invoices:
        assert desk.get(f"{base}/billing/invoices/{invoice.pk}/").status_code == 200
    chain_now()
    with scopes_disabled():
        accesses = AccessEvent.objects.count() - before_access
        chained = AuditEntry.objects.count() - before_chain
        breakdown = Counter(AccessEvent.objects.values_list("category", "action"))
    print(f"a typical day of {VISITS} visits: {accesses} access events, {chained} chain entries: {breakdown}")
    assert breakdown == {
        ("appointments", "list"): 20 * VISITS,  # today's list and the calendar, ten times each
        ("demographics", "view"): VISITS,  # the chart
        ("clinical_lists", "view"): 3 * VISITS,  # the chart's header, on the chart and on both tabs
        ("clinical_notes", "view"): VISITS,
        ("vitals", "view"): VISITS,
        ("invoices", "view"): VISITS,  # the invoice page (the practitioner sees none on the patient page)
        ("appointments", "view"): VISITS,  # the patient page's appointments section
    }
    assert accesses == 448
    assert chained == accesses
