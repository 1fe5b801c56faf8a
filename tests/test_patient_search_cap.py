"""Patient search counts matches only up to a cap: past it the list says so and asks for more of the name,
instead of counting every match of a common fragment (docs/performance.md, patient search)."""

import pytest

from core.office.views import patients as patient_views
from core.paging import CappedPaginator
from core.patients.models import Patient
from tests.factories import make_patient

pytestmark = pytest.mark.django_db

CAPPED = "More than 5 patients match. Type more of the name to narrow the list."


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(patient_views, "COUNT_CAP", 5)
    monkeypatch.setattr(patient_views, "PAGE_SIZE", 2)


def test_more_matches_than_the_cap_say_so_and_offer_pages_up_to_it(alpha, login, small_cap):
    for i in range(7):
        make_patient(alpha.clinic, f"Emma{i}", "Smith")
    make_patient(alpha.clinic, "Liam", "Jones")
    client = login(alpha.staff)
    page = client.get("/office/patients/?q=smi").content.decode()
    assert CAPPED in page
    assert "Page 1" in page and "Page 1 of" not in page  # no total: it was not counted
    # The pages reach the cap (5 rows: pages of 2, 2 and 1), in name order.
    last = client.get("/office/patients/?q=smi&page=3").content.decode()
    assert "Emma4" in last and "Emma5" not in last
    assert CAPPED not in client.get("/office/patients/?q=jones").content.decode()


def test_up_to_the_cap_the_total_is_exact(alpha, login, small_cap):
    for i in range(5):
        make_patient(alpha.clinic, f"Emma{i}", "Smith")
    page = login(alpha.staff).get("/office/patients/?q=smi").content.decode()
    assert CAPPED not in page
    assert "Page 1 of 3" in page


def test_the_count_reads_at_most_the_cap_and_one(alpha, django_assert_num_queries):
    from django_scopes import scope

    for i in range(4):
        make_patient(alpha.clinic, f"Emma{i}", "Smith")
    with scope(organization=alpha.org.pk):
        paginator = CappedPaginator(Patient.objects.order_by("family_name", "id"), 2, cap=2)
        with django_assert_num_queries(1) as captured:
            assert (paginator.count, paginator.capped, paginator.num_pages) == (2, True, 1)
        sql = captured.captured_queries[0]["sql"]
        assert "LIMIT 3" in sql and "ORDER BY" not in sql  # a bounded count needs no sort
        exact = CappedPaginator(Patient.objects.all(), 2, cap=100)
        assert (exact.count, exact.capped) == (Patient.objects.count(), False)
