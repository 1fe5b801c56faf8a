"""``Patient/{id}/$everything`` in pages: ``_count``, ``_since`` and the ``next`` cursor over a long history
(700 visits, 2,100 vital signs), each page at a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from tests.fhir.conftest import chart
from tests.fhir.validation import checked

VISITS = 700
VITALS_PER_VISIT = 3
# Authentication and clinics, the patient, a count per compartment type, a page query (and what its
# rows need) for each type the page reaches (Provenance: for each of its six sources), and the
# practitioners, clinics and organization it names.
PAGE_BUDGET = 36


def long_history(tenant):
    """700 past visits with three pulse readings each for the tenant's patient, written in bulk (call
    under ``scopes_disabled``)."""
    from plugins.records.models import Encounter, Vital

    doctor = tenant.memberships["practitioner"]
    start = timezone.now() - timedelta(days=VISITS + 10)
    encounters = Encounter.objects.bulk_create(
        Encounter(
            organization=tenant.org,
            clinic=tenant.clinic,
            patient=tenant.patient,
            practitioner=doctor,
            kind="walk_in",
            created_by=tenant.practitioner,
            started_at=start + timedelta(days=day),
            ended_at=start + timedelta(days=day, minutes=20),
        )
        for day in range(VISITS)
    )
    Vital.objects.bulk_create(
        Vital(
            organization=tenant.org,
            clinic=tenant.clinic,
            patient=tenant.patient,
            recorded_by=tenant.practitioner,
            encounter=encounter,
            kind="pulse",
            loinc_code="8867-4",
            value=Decimal(60 + reading),
            unit="/min",
            measured_at=encounter.started_at + timedelta(minutes=reading),
        )
        for encounter in encounters
        for reading in range(VITALS_PER_VISIT)
    )


def fetch(fhir, url, validate=True):
    """A page by its absolute ``url`` (a Bundle's link), and the queries it cost."""
    parsed = urlparse(url)
    params = {name: values[0] for name, values in parse_qs(parsed.query).items()}
    path = parsed.path.removeprefix("/fhir/R4/")
    with CaptureQueriesContext(connection) as captured:
        response = fhir.client.get(f"/fhir/R4/{path}", params, headers=fhir.headers)
    assert response.status_code == 200, response.content[:500]
    # Checking every resource against its profiles is slow (thousands of vital signs): the first page
    # and every fifth are checked, which covers each type the history holds.
    bundle = checked(response) if validate else response.json()
    return bundle, len(captured)


def link(bundle, relation):
    return next((entry["url"] for entry in bundle["link"] if entry["relation"] == relation), None)


@pytest.mark.django_db
def test_everything_pages_through_a_long_history(alpha, fhir_as):
    with scopes_disabled():
        chart(alpha)
        long_history(alpha)
    fhir = fhir_as(alpha.owner, alpha.org)
    fhir.get(f"Patient/{alpha.patient.pk}")  # the token's first use is noted once

    url = f"http://testserver/fhir/R4/Patient/{alpha.patient.pk}/$everything?_count=200"
    seen, costs, pages = [], [], 0
    total = None
    while url:
        bundle, cost = fetch(fhir, url, validate=pages % 5 == 0)
        matches = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "match"]
        assert len(matches) <= 200
        total = bundle["total"] if total is None else total
        assert bundle["total"] == total  # the same list from the first page to the last
        seen += [(r["resourceType"], r["id"]) for r in matches]
        costs.append(cost)
        pages += 1
        url = link(bundle, "next")
        assert link(bundle, "first").endswith("$everything?_count=200")
    assert len(seen) == len(set(seen)) == total, "every resource once"
    assert seen[0] == ("Patient", str(alpha.patient.pk))
    kinds = [kind for kind, _id in seen]
    assert kinds.count("Encounter") == VISITS + 1  # and the charted visit
    assert kinds.count("Observation") >= VISITS * VITALS_PER_VISIT
    assert pages == -(-total // 200)
    assert max(costs) <= PAGE_BUDGET, costs
    # A page deep in the history costs what the first does.
    assert max(costs[1:]) <= costs[0] + 2, costs


@pytest.mark.django_db
def test_everything_since_and_bad_cursors(alpha, fhir_as):
    from plugins.records.models import Vital

    with scopes_disabled():
        chart(alpha)
        # Everything but one reading was last changed long ago.
        Vital.objects.filter(patient=alpha.patient).update(updated_at=timezone.now() - timedelta(days=30))
        latest = Vital.objects.filter(patient=alpha.patient, kind="pulse").order_by("pk").last()
        Vital.objects.filter(pk=latest.pk).update(updated_at=timezone.now())
    fhir = fhir_as(alpha.owner, alpha.org)
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, bundle = fhir.get(f"Patient/{alpha.patient.pk}/$everything", _since=since)
    assert status == 200
    observations = [
        e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    assert observations == [str(latest.pk)]
    # The patient always opens the first page; the other vital signs, unchanged since, are left out.
    assert bundle["entry"][0]["resource"]["resourceType"] == "Patient"
    assert "_since=" in link(bundle, "self")

    for params in (
        {"_since": "2020-01-01"},  # a date, not an instant
        {"_since": "yesterday"},
        {"_cursor": "Observation"},
        {"_cursor": "Nothing:3"},
        {"_count": "x"},
        {"_type": "Observation"},
    ):
        status, outcome = fhir.get(f"Patient/{alpha.patient.pk}/$everything", **params)
        assert status == 400 and outcome["resourceType"] == "OperationOutcome", params
