"""The chart's seams: header facts, timeline entries, appointment facts and appointment actions, each
answered by the modules that are on at the clinic and silent where they are off."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.tenancy.modules import clinic_hook
from core.tenancy.services import set_module_enabled
from plugins.records.services import lists
from tests.test_isolation_pages import make_appointment


def switch(clinic, module, on):
    with scope(organization=clinic.organization_id):
        set_module_enabled(clinic, module, on)


@pytest.mark.django_db
def test_hook_clinic_patient_chart_header(alpha, login):
    with scopes_disabled(), scope(organization=alpha.org.pk):
        lists.add_entry(
            lists.Allergy,
            alpha.clinic,
            alpha.patient,
            {"substance": "Latex", "severity": "severe"},
            by=alpha.practitioner,
        )
    client = login(alpha.practitioner)
    url = f"/office/patients/{alpha.patient.pk}/"
    page = client.get(url).content.decode()
    assert "Latex (Severe)" in page and 'data-alert="1"' in page
    switch(alpha.clinic, "records", False)
    assert "Latex" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_hook_clinic_patient_timeline_entries(alpha, login):
    from plugins.records.tests.conftest import SOAP_CONTENT, make_note

    note = make_note(alpha, content=SOAP_CONTENT)
    with scopes_disabled(), scope(organization=alpha.org.pk):
        appointment = make_appointment(alpha)
        from plugins.billing.services.drafts import create_draft
        from plugins.billing.services.issuing import issue
        from plugins.billing.services.lines import add_line

        invoice = create_draft(clinic=alpha.clinic, patient=alpha.patient, by=alpha.owner)
        add_line(invoice, description="Consultation", quantity="1", unit_price="50")
        invoice = issue(invoice, by=alpha.owner)
    client = login(alpha.owner)
    url = f"/office/c/{alpha.clinic.slug}/records/patients/{alpha.patient.pk}/timeline/"
    page = client.get(url).content.decode()
    # Every module's entries in one list: records' visit and note, the appointment, the invoice.
    assert f"/records/notes/{note.pk}/" in page and "Walk-in: Back pain" in page
    assert f"/scheduling/appointments/{appointment.pk}/" in page
    assert f"Invoice {invoice.number}" in page
    only_visits = client.get(url + "?kind=encounter").content.decode()
    assert f"/records/notes/{note.pk}/" not in only_visits and f"Invoice {invoice.number}" not in only_visits
    switch(alpha.clinic, "records", False)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_hook_clinic_appointment_facts(alpha):
    with scopes_disabled(), scope(organization=alpha.org.pk):
        appointment = make_appointment(alpha)
        facts = clinic_hook(alpha.clinic, "clinic_appointment_facts")(
            clinic=alpha.clinic, appointment_id=appointment.pk
        )
        assert (facts.patient_id, facts.practitioner_id, facts.status) == (
            alpha.patient.pk,
            appointment.practitioner_id,
            "booked",
        )
        assert (
            clinic_hook(alpha.clinic, "clinic_appointment_facts")(clinic=alpha.clinic, appointment_id=10**9)
            is None
        )
        # Another clinic's appointment is not known here.
        assert (
            clinic_hook(alpha.clinics[1], "clinic_appointment_facts")(
                clinic=alpha.clinics[1], appointment_id=appointment.pk
            )
            is None
        )


@pytest.mark.django_db
def test_hook_clinic_appointment_actions(alpha, login, django_assert_max_num_queries):
    from plugins.scheduling.models import Appointment

    with scopes_disabled(), scope(organization=alpha.org.pk):
        appointment = make_appointment(alpha)
        # Under way now (not yet over, so not flagged "Note not signed"), and always today at the clinic.
        now = timezone.localtime(timezone.now(), alpha.clinic.tzinfo)
        start = max(now - timedelta(minutes=5), now.replace(hour=0, minute=0, second=0, microsecond=0))
        Appointment.objects.filter(pk=appointment.pk).update(
            start=start,
            end=start + timedelta(minutes=30),
            occupied_start=start,
            occupied_end=start + timedelta(minutes=30),
        )
    today = f"/office/c/{alpha.clinic.slug}/scheduling/today/"
    client = login(alpha.practitioner)
    page = client.get(today).content.decode()
    start_url = f"/office/c/{alpha.clinic.slug}/records/visits/{appointment.pk}/start/"
    assert start_url in page and "Start visit" in page
    # The front desk is not offered a clinical action.
    assert start_url not in login(alpha.staff).get(today).content.decode()
    response = client.post(start_url)
    assert response.status_code == 302 and "/records/encounters/" in response["Location"]
    assert "Open visit" in client.get(today).content.decode()
    switch(alpha.clinic, "records", False)
    assert "Open visit" not in client.get(today).content.decode()


def test_hook_ehr_care_evidence(alpha):
    """Scheduling answers with the practitioner's appointments, records with the encounters they wrote;
    the core asks whether any exists (core.audit.break_glass)."""
    from datetime import timedelta

    from django.utils import timezone
    from django_scopes import scope

    from core.plugins.manager import registry
    from plugins.records.models import Encounter

    doctor = alpha.memberships["practitioner"]
    since = timezone.now() - timedelta(days=365)
    with scope(organization=alpha.org.pk):
        answers = [
            found
            for found in registry().hook.ehr_care_evidence(
                member=doctor, patient_id=alpha.patient.pk, since=since
            )
            if found is not None
        ]
        assert {found.model._meta.label for found in answers} >= {
            "scheduling.Appointment",
            "records.Encounter",
        }
        assert not any(found.exists() for found in answers)
        Encounter.objects.create(
            organization=alpha.org,
            clinic=alpha.clinic,
            patient=alpha.patient,
            practitioner=doctor,
            kind="walk_in",
            created_by=alpha.practitioner,
        )
        assert [found.model._meta.label for found in answers if found.exists()] == ["records.Encounter"]
