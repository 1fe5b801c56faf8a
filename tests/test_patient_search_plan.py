"""Patient search stays an index lookup at a realistic size: one organization with 100,000 patients (and a
second organization beside it), fresh statistics, and the exact SQL the patient list runs.

The test runs in the ordinary per-test transaction: the rows it inserts are visible only to it and vanish
when it ends, so tests running beside it (on this or the other worker, each with its own database) neither
see them nor change its plan. Inside that transaction, right before EXPLAIN, it moves the trigram index's
pending entries into the index proper and runs ANALYZE, so the planner decides from statistics and an
index that describe exactly these rows, whatever ran before.
"""

import pgtrigger
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from core.patients.models import Patient
from tests.factories import make_org, make_patient

PATIENTS = 100_000
GIVEN = ["maya", "liam", "olivia", "noah", "emma", "lucas", "ava", "mateo", "sofia", "elias", "amira"]
FAMILY = ["garcia", "nguyen", "smith", "kowalski", "okafor", "haddad", "rossi", "schmidt", "tanaka", "silva"]
SEARCH = "brackenb otto"
# The member lookup, the clinics (switcher and filter alike), the page of patients with their capped count
# and the access log's insert: nothing per row. A ceiling, not an exact figure, so that a query saved
# elsewhere in the layout does not fail this test.
SEARCH_QUERY_BUDGET = 4


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


def _link_to_clinics(organization_id: int, clinic_ids: list[int]) -> None:
    """Spread the organization's loaded patients over its clinics, as registering at a clinic does."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO patients_patientclinic (organization_id, patient_id, clinic_id, created_at)
            SELECT %s, p.id, (%s::bigint[])[1 + p.record_number %% %s], now()
            FROM patients_patient p
            WHERE p.organization_id = %s AND p.record_number > 1000000
            """,
            [organization_id, clinic_ids, len(clinic_ids), organization_id],
        )


def _fresh_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('patient_name_trgm'::regclass)")
        cursor.execute("ANALYZE patients_patient")
        cursor.execute("ANALYZE patients_patientclinic")


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _search_page(client, search: str = SEARCH, shown: str = "Brackenbury") -> list[str]:
    """GET the patient list with a name search; return the SQL of all its queries."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/office/patients/", {"q": search})
    assert response.status_code == 200
    assert shown in response.content.decode()
    queries = [q["sql"] for q in ctx.captured_queries]
    assert len(queries) <= SEARCH_QUERY_BUDGET, queries
    return queries


def _assert_one_read_of_the_matches(queries: list[str]) -> None:
    """One query reads the matches, the page and the capped count together; it finds them through the
    trigram index or the clinic's patient links, never by reading the organization's patients in name
    order until enough match, nor by scanning the table."""
    searches = [sql for sql in queries if "search_name" in sql]
    assert len(searches) == 1, searches
    plan = _explain(searches[0])
    assert "Seq Scan on patients_patient" not in plan, plan
    assert "patient_org_name" not in plan, plan
    assert "patient_name_trgm" in plan or "patient_clinic_by_clinic" in plan, plan


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
    _assert_one_read_of_the_matches(large)
    plan = _explain(next(sql for sql in large if "search_name" in sql))
    assert "Bitmap Index Scan on patient_name_trgm" in plan, plan


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_a_common_fragment_is_sorted_from_its_matches_not_walked_in_name_order(alpha, login, role):
    """Thousands match "garc" (every tenth patient is a Garcia): the owner's search reads them through the
    trigram index, the front desk's through the index or its clinic's patients, and neither walks the name
    index until 1,001 match (the planner's choice for common fragments before, reading most of the
    organization for a name late in the alphabet)."""
    with pgtrigger.ignore("patients.Patient:insert_insert", "patients.PatientClinic:insert_insert"):
        _insert_patients(alpha.org.pk, PATIENTS)
        _link_to_clinics(alpha.org.pk, [clinic.pk for clinic in alpha.clinics])
    _fresh_statistics()
    client = login(getattr(alpha, role))
    queries = _search_page(client, "garc", shown="More than 1,000 patients match")
    assert len(queries) <= SEARCH_QUERY_BUDGET, queries
    _assert_one_read_of_the_matches(queries)
