"""The patient list reads its page and its capped count in one query, and shows what the two queries did:
the same patients, in the same order, on the same pages, with the same "more than" past the cap."""

import pytest
from django.core.paginator import Paginator
from django_scopes import scope

from core.paging import CappedPaginator
from core.patients.models import Patient
from core.patients.selectors import in_name_order, search_patients
from tests.factories import make_patient

pytestmark = pytest.mark.django_db

# Case, diacritics, spaces and apostrophes: the order a sort of the matches gives must be the name index's.
FAMILY = ["Müller", "muller", "Mueller", "van Dijk", "O'Brien", "Smith", "smith", "Ålund", "Zeta", "Émile"]


NAME_ORDER = ("family_name", "given_name", "id")


@pytest.fixture
def register(alpha):
    for i, family in enumerate(FAMILY * 3):
        make_patient(alpha.clinics[i // len(FAMILY) % 2], f"Emma {i % 4}", family)
    return alpha


def _ids(page) -> list[int]:
    return [patient.pk for patient in page.object_list]


@pytest.mark.parametrize("query", ["mül", "mu", "smith emma", "emma", "ll", "", "nobody"])
def test_a_search_lists_what_the_name_order_lists(register, query):
    with scope(organization=register.org.pk):
        patients = search_patients(Patient.objects.filter(organization=register.org), query)
        expected = list(patients.order_by(*NAME_ORDER).values_list("pk", flat=True))
        for number in range(1, 5):
            page = CappedPaginator(in_name_order(patients, query), 7, cap=1000).get_page(number)
            assert _ids(page) == expected[(page.number - 1) * 7 : page.number * 7]
            assert page.paginator.count == len(expected)


@pytest.mark.parametrize("number", [None, "", "abc", "0", "-1", "1", "2", "4", "5", "99", "2.0"])
def test_every_page_number_answers_as_before(register, number, django_assert_max_num_queries):
    """Counted and read in one query, or Django's count then page where one query cannot tell: the same
    page either way, up to the cap (here 10 of 30 matches, pages of 3: page 4 holds the tenth alone)."""
    with scope(organization=register.org.pk):
        ordered = Patient.objects.filter(organization=register.org).order_by(*NAME_ORDER)
        with django_assert_max_num_queries(2):
            page = CappedPaginator(ordered, 3, cap=10).get_page(number)
        before = CappedPaginator(ordered, 3, cap=10)
        expected = Paginator.get_page(before, number)
        assert (page.number, _ids(page)) == (expected.number, _ids(expected))
        assert (page.paginator.count, page.paginator.capped) == (10, True)
        assert (page.has_next(), page.paginator.num_pages) == (expected.has_next(), 4)


def test_the_first_page_is_one_query(register, django_assert_num_queries):
    with scope(organization=register.org.pk):
        ordered = Patient.objects.filter(organization=register.org).order_by(*NAME_ORDER)
        with django_assert_num_queries(1):
            page = CappedPaginator(ordered, 3, cap=10).get_page("1")
            assert (len(page), page.paginator.count, page.paginator.capped) == (3, 10, True)
        with django_assert_num_queries(1):
            page = CappedPaginator(ordered.filter(family_name="nobody"), 3, cap=10).get_page("1")
            assert (len(page), page.paginator.count, page.paginator.num_pages) == (0, 0, 1)


def test_the_front_desk_sees_only_its_clinic(register, login):
    """Staff work at the first clinic: every Müller listed is one of its patients, none of the second's."""
    page = login(register.staff).get("/office/patients/", {"q": "müller"}).context["page"]
    with scope(organization=register.org.pk):
        first_clinic = set(register.clinics[0].patients.values_list("pk", flat=True))
    assert page.object_list and {patient.pk for patient in page.object_list} <= first_clinic
    assert page.paginator.count == 2  # three Müllers, two of them at the first clinic
