"""Patient search stays an index lookup at a realistic size: one organization with 100,000 patients (and a
second organization beside it), fresh statistics, and the exact SQL the patient list runs.

The test runs in the ordinary per-test transaction: the rows it inserts are visible only to it and vanish
when it ends, so tests running beside it (on this or the other worker, each with its own database) neither
see them nor change its plan. Inside that transaction, right before EXPLAIN, it moves the trigram index's
pending entries into the index proper and runs ANALYZE, so the planner decides from statistics and an
index that describe exactly these rows, whatever ran before.
"""

import pgtrigger
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from core.patients.models import Patient
from tests.factories import make_org, make_patient

PATIENTS = 100_000
GIVEN = ["maya", "liam", "olivia", "noah", "emma", "lucas", "ava", "mateo", "sofia", "elias", "amira"]
FAMILY = ["garcia", "nguyen", "smith", "kowalski", "okafor", "haddad", "rossi", "schmidt", "tanaka", "silva"]
SEARCH = "brackenb otto"
# Session and member lookups, the clinic switcher, the page's patients and their count: nothing per row.
# A ceiling, not an exact figure, so that a query saved elsewhere in the layout does not fail this test.
SEARCH_QUERY_BUDGET = 9


def _insert_patients(organization_id: int, count: int) -> None:
    """One INSERT ... SELECT; names vary by row (a numbered family name) as a real register's would."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO patients_patient (
                organization_id, record_number, given_name, family_name, preferred_name, sex,
                gender_identity, email, phone, address_line1, address_line2, city, postal_code, country,
                emergency_contact_name, emergency_contact_phone, preferred_language, consent_email,
                consent_sms, archived, version, created_at, updated_at)
            SELECT %s, 1000000 + n, initcap((%s::text[])[1 + n %% %s]),
                   initcap((%s::text[])[1 + (n / 11) %% %s]) || n::text,
                   '', '', '', '', '', '', '', '', '', '', '', '', '', true, false, false, 1, now(), now()
            FROM generate_series(1, %s) AS n
            """,
            [organization_id, GIVEN, len(GIVEN), FAMILY, len(FAMILY), count],
        )


def _fresh_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('patient_name_trgm'::regclass)")
        cursor.execute("ANALYZE patients_patient")


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _search_page(client) -> list[str]:
    """GET the patient list with a name search; return the SQL of all its queries."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/office/patients/", {"q": SEARCH})
    assert response.status_code == 200
    assert "Brackenbury" in response.content.decode()
    queries = [q["sql"] for q in ctx.captured_queries]
    assert len(queries) <= SEARCH_QUERY_BUDGET, queries
    return queries


def test_name_search_at_100000_patients_uses_the_trigram_index(alpha, login):
    other, _ = make_org("Neighbour")
    with scopes_disabled():
        make_patient(alpha.clinic, "Ottoline", "Brackenbury")
    client = login(alpha.owner)
    client.get("/office/patients/")  # first visit: session and caches settled
    small = _search_page(client)

    # The audit trigger would write 120,000 history rows this test does not read.
    with pgtrigger.ignore("patients.Patient:insert_insert"):
        _insert_patients(alpha.org.pk, PATIENTS)
        _insert_patients(other.pk, 20_000)
    _fresh_statistics()
    with scopes_disabled():
        assert Patient.objects.filter(organization=alpha.org).count() == PATIENTS + 2

    large = _search_page(client)
    assert len(large) == len(small)  # the same queries with 2 patients or 100,002: nothing per row
    searches = [sql for sql in large if "search_name" in sql]
    assert len(searches) == 2  # the page of results and the paginator's count
    for sql in searches:
        plan = _explain(sql)
        assert "Bitmap Index Scan on patient_name_trgm" in plan, plan
        assert "Seq Scan on patients_patient" not in plan, plan
