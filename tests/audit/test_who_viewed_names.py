"""“Who viewed my record” and the organization's choice to name staff: off, the patient reads roles only;
on, the member's name next to the role. Either way the page reads a fixed number of queries and shows
only the signed-in patient's own record."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from core.tenancy.models import Membership, Organization
from tests.factories import PASSWORD, link_patient_login, make_patient, make_user

from .helpers import chain_now

pytestmark = pytest.mark.django_db


def _portal_login(clinic, email) -> Client:
    client = Client()
    response = client.post(f"/c/{clinic.slug}/account/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _show_names(org, on: bool) -> None:
    with scopes_disabled():
        Organization.objects.filter(pk=org.pk).update(show_staff_names_to_patients=on)


@pytest.fixture
def erin(alpha):
    with scopes_disabled():
        link_patient_login(alpha.patient, make_user("erin.names@example.test"))
    return _portal_login(alpha.clinic, "erin.names@example.test")


def _page(alpha, client) -> str:
    response = client.get(f"/c/{alpha.clinic.slug}/account/access-history/")
    assert response.status_code == 200
    return response.content.decode()


def test_names_are_hidden_while_the_setting_is_off(alpha, login, erin):
    login(alpha.practitioner).get(f"/office/patients/{alpha.patient.pk}/")
    chain_now()
    page = _page(alpha, erin)
    assert "Practitioner" in page
    assert "Alpha Doctor" not in page and alpha.practitioner.email not in page


def test_names_are_shown_next_to_the_role_when_the_owner_chooses(alpha, login, erin):
    _show_names(alpha.org, True)
    with scopes_disabled():
        Membership.objects.filter(pk=alpha.memberships["staff"].pk).update(display_name="Fran at the desk")
    login(alpha.practitioner).get(f"/office/patients/{alpha.patient.pk}/")
    login(alpha.staff).get(f"/office/patients/{alpha.patient.pk}/")
    chain_now()
    page = _page(alpha, erin)
    # The user's full name when the member has no display name; the display name when they have one.
    assert "Alpha Doctor (Practitioner)" in page
    assert "Fran at the desk (Staff)" in page and "Alpha Front" not in page
    assert alpha.practitioner.email not in page  # a login's email is never a name


def test_a_member_without_any_name_is_shown_by_role(alpha, login, erin):
    _show_names(alpha.org, True)
    with scopes_disabled():
        type(alpha.practitioner).objects.filter(pk=alpha.practitioner.pk).update(full_name="")
    login(alpha.practitioner).get(f"/office/patients/{alpha.patient.pk}/")
    chain_now()
    page = _page(alpha, erin)
    assert "Practitioner" in page and alpha.practitioner.email not in page


def test_only_the_signed_in_patients_own_rows(alpha, login, erin):
    _show_names(alpha.org, True)
    with scopes_disabled():
        other = make_patient(alpha.clinic, "Olga", "Otherpatient")
        link_patient_login(other, make_user("olga.names@example.test"))
    login(alpha.practitioner).get(f"/office/patients/{alpha.patient.pk}/")
    chain_now()
    olga = _portal_login(alpha.clinic, "olga.names@example.test")
    page = _page(alpha, olga)
    assert "Nobody has viewed your record yet." in page and "Alpha Doctor" not in page
    assert "Alpha Doctor (Practitioner)" in _page(alpha, erin)


def test_the_query_count_stays_flat_with_names(alpha, login, erin, django_assert_max_num_queries):
    _show_names(alpha.org, True)
    login(alpha.practitioner).get(f"/office/patients/{alpha.patient.pk}/")
    chain_now()
    with django_assert_max_num_queries(40) as few:
        _page(alpha, erin)
    budget = len(few.captured_queries)
    members = [login(user) for user in (alpha.owner, alpha.practitioner, alpha.staff)]
    for _ in range(8):
        for client in members:
            client.get(f"/office/patients/{alpha.patient.pk}/")
    chain_now()
    with django_assert_max_num_queries(budget):
        page = _page(alpha, erin)
    assert "Alpha Owner (Owner)" in page and "Alpha Front (Staff)" in page


def test_the_owner_switches_names_on_in_the_organization_settings(alpha, login):
    owner = login(alpha.owner)
    page = owner.get("/office/settings/organization/").content.decode()
    assert 'name="show_staff_names_to_patients"' in page
    data = {"name": "Alpha", "default_locale": "en", "country": "", "show_staff_names_to_patients": "on"}
    # Not a sign-in security setting: no password is asked for.
    assert owner.post("/office/settings/organization/", data).status_code == 302
    with scopes_disabled():
        assert Organization.objects.get(pk=alpha.org.pk).show_staff_names_to_patients is True
    for role in ("practitioner", "staff"):
        refused = login(getattr(alpha, role)).post("/office/settings/organization/", {**data, "name": "X"})
        assert refused.status_code == 403
