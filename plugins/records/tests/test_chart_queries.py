"""Opening a chart and its timeline costs the same number of queries however long the history is."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from plugins.records.services import lists

from .conftest import SOAP_CONTENT, make_note, sign

CHART_BUDGET = 30
TIMELINE_BUDGET = 22


def grow_history(tenant, notes: int):
    for _ in range(notes):
        sign(tenant, make_note(tenant, content=SOAP_CONTENT))
    with scopes_disabled(), scope(organization=tenant.org.pk):
        for n in range(notes):
            lists.record_vitals(tenant.clinic, tenant.patient, {"pulse": 60 + n % 30}, by=tenant.practitioner)


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_chart_and_timeline_queries_stay_flat(alpha, login):
    client = login(alpha.practitioner)
    chart = f"/office/patients/{alpha.patient.pk}/"
    timeline = f"/office/c/{alpha.clinic.slug}/records/patients/{alpha.patient.pk}/timeline/"
    grow_history(alpha, 3)
    small = (count(client, chart), count(client, timeline))
    grow_history(alpha, 30)
    large = (count(client, chart), count(client, timeline))
    assert large == small, f"queries grew with the history: {small} -> {large}"
    assert large[0] <= CHART_BUDGET and large[1] <= TIMELINE_BUDGET, large
    page = client.get(timeline).content.decode()
    assert "Older entries" in page  # 33 encounters + 33 notes: more than one page


@pytest.mark.django_db
def test_a_note_page_is_bounded(alpha, login, django_assert_max_num_queries):
    note = sign(alpha, make_note(alpha, content=SOAP_CONTENT))
    client = login(alpha.practitioner)
    with django_assert_max_num_queries(30):
        assert client.get(f"/office/c/{alpha.clinic.slug}/records/notes/{note.pk}/").status_code == 200
