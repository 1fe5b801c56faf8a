"""A FHIR search costs the same number of queries for a page of 3 rows as for a page of 30."""

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from tests.factories import add_member, make_patient, make_user
from tests.fhir.conftest import make_bookable, next_day_at

# Authentication, membership, clinics with their module switches, the count and the page, and what a
# page's rows need (clinic links, lines) loaded once per page.
BUDGET = 12


def grow(tenant, n):
    from plugins.billing.services.drafts import create_draft
    from plugins.billing.services.lines import add_line
    from plugins.scheduling.models import ServicePractitioner, WorkingHours
    from plugins.scheduling.services.booking import book_appointment

    with scopes_disabled():
        for i in range(n):
            patient = make_patient(tenant.clinics[i % 2], f"P{i}", "Budget")
            member = add_member(tenant.org, make_user(), "practitioner", tenant.clinics[: 1 + i % 2])
            ServicePractitioner.objects.create(
                organization=tenant.org, service=tenant.service, membership=member
            )
            WorkingHours.objects.create(
                organization=tenant.org,
                membership=member,
                clinic=tenant.clinic,
                weekday=0,
                start_time=time(8),
                end_time=time(12),
                valid_from=date(2020, 1, 1),
            )
            book_appointment(
                clinic=tenant.clinic,
                practitioner=member,
                patient=patient,
                service=tenant.service,
                start=next_day_at(tenant, 9),
                by=tenant.owner,
                override=True,
            )
            invoice = create_draft(clinic=tenant.clinic, patient=patient, by=tenant.owner)
            add_line(invoice, description="Visit", quantity="1", unit_price="10")


def queries_for(fhir, resource_type, path=None):
    params = {} if path else {"_count": "100"}
    with CaptureQueriesContext(connection) as captured:
        status, bundle = fhir.get(path or resource_type, **params)
    assert status == 200
    return len(captured), bundle.get("total")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "resource_type",
    [
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "Location",
        "HealthcareService",
        "Schedule",
        "Appointment",
        "Invoice",
    ],
)
def test_search_queries_do_not_grow_with_the_page(alpha, fhir_as, resource_type):
    with scopes_disabled():
        make_bookable(alpha)
    fhir = fhir_as(alpha.owner, alpha.org)
    grow(alpha, 2)
    few, few_total = queries_for(fhir, resource_type)
    grow(alpha, 12)
    many, many_total = queries_for(fhir, resource_type)
    assert many_total > few_total or resource_type in ("Location", "HealthcareService")
    # The first call also notes when the token was last used; after that, no query per row.
    assert many <= few, f"{resource_type}: {few} queries for {few_total} rows, {many} for {many_total}"
    assert many <= BUDGET, f"{resource_type}: {many} queries"


def grow_charts(tenant, n):
    from tests.fhir.conftest import chart

    with scopes_disabled():
        for i in range(n):
            chart(tenant, make_patient(tenant.clinics[i % 2], f"C{i}", "Charted"))


# The clinical record's searches: the same budget; a note's Provenance also loads its signers and addenda.
CLINICAL_BUDGET = 12
# Provenance walks six sources (signed notes and five record types' change history): a page or a count
# each, and the members who signed or changed what the page shows, once.
PROVENANCE_BUDGET = 16


@pytest.mark.django_db
@pytest.mark.parametrize(
    "resource_type",
    [
        "Encounter",
        "Condition",
        "AllergyIntolerance",
        "MedicationStatement",
        "Observation",
        "DocumentReference",
        "Provenance",
    ],
)
@pytest.mark.parametrize("role", ["owner", "practitioner"])
def test_clinical_searches_do_not_grow_with_the_page(alpha, fhir_as, resource_type, role):
    fhir = fhir_as(getattr(alpha, role), alpha.org)
    grow_charts(alpha, 2)
    few, few_total = queries_for(fhir, resource_type)
    grow_charts(alpha, 10)
    many, many_total = queries_for(fhir, resource_type)
    assert many_total > few_total
    assert many <= few, f"{resource_type}: {few} queries for {few_total} rows, {many} for {many_total}"
    budget = PROVENANCE_BUDGET if resource_type == "Provenance" else CLINICAL_BUDGET
    assert many <= budget, f"{resource_type}: {many} queries"


# $everything asks each type once (a count and a page each) and each referenced type once; $summary
# asks its four sections and what they refer to. Neither grows with the chart's length.
OPERATION_BUDGETS = {"$everything": 45, "$summary": 25}


@pytest.mark.django_db
@pytest.mark.parametrize("operation", ["$everything", "$summary"])
def test_patient_operations_do_not_grow_with_the_chart(alpha, fhir_as, operation):
    from tests.fhir.conftest import chart

    fhir = fhir_as(alpha.owner, alpha.org)
    with scopes_disabled():
        chart(alpha)
    path = f"Patient/{alpha.patient.pk}/{operation}"
    queries_for(fhir, None, path)  # the token's first use is noted once
    few, _total = queries_for(fhir, None, path)
    with scopes_disabled():
        for _ in range(5):
            chart(alpha)
    many, _total = queries_for(fhir, None, path)
    assert many <= few, f"{operation}: {few} queries, then {many} for a chart six times as long"
    assert many <= OPERATION_BUDGETS[operation], f"{operation}: {many} queries"
