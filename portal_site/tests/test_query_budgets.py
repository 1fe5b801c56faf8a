"""Query budgets of the benchmark's portal scenarios (docs/performance.md): a clinic's home page for an
anonymous visitor, cached (no database query at all) and rendered afresh, and the booking page."""

import pytest
from django.test import Client

# A new clinic's home page shows its team (practitioners; whether and with whom it takes online bookings),
# its opening hours (working hours, closures) and its price list: one or two queries per section.
HOME_UNCACHED = 18
BOOKING_PAGE = 16

pytestmark = pytest.mark.django_db


def test_cached_home_page_asks_nothing_of_the_database(alpha, django_assert_num_queries):
    client = Client()
    url = f"/c/{alpha.clinic.slug}/"
    assert client.get(url)["X-Portal-Cache"] == "miss"
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response["X-Portal-Cache"] == "hit" and alpha.clinic.name in response.content.decode()


def test_uncached_home_and_booking_pages(alpha, django_assert_max_num_queries):
    client = Client()
    home = f"/c/{alpha.clinic.slug}/"
    client.get(home)
    # A query string makes a page uncacheable: this is the cost of rendering it from the page tree.
    with django_assert_max_num_queries(HOME_UNCACHED):
        response = client.get(home, {"v": "1"})
    assert response.status_code == 200 and "X-Portal-Cache" not in response
    with django_assert_max_num_queries(BOOKING_PAGE):
        response = client.get(f"{home}booking/")
    assert response.status_code == 200 and "X-Portal-Cache" not in response


def test_a_cached_page_is_not_served_once_the_clinic_is_archived(alpha, django_capture_on_commit_callbacks):
    from django_scopes import scope

    from core.tenancy.models import Clinic

    client = Client()
    url = f"/c/{alpha.clinic.slug}/"
    client.get(url)
    assert client.get(url)["X-Portal-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True), scope(organization=alpha.org.pk):
        clinic = Clinic.objects.get(pk=alpha.clinic.pk)
        clinic.archived = True
        clinic.save()
    assert client.get(url).status_code == 404
