"""A signed-in request reads its user and their active memberships in one query
(``core.tenancy.context.user_with_memberships``, through the sign-in backend), and keeps nothing between
requests: a change to a membership or to the user counts from the very next request, whatever way the
database was changed (here ``QuerySet.update()``, which sends no signal)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from core.accounts.backends import EmailBackend
from core.accounts.models import User
from core.tenancy.context import memberships_of, user_with_memberships
from core.tenancy.models import Membership, MembershipClinic, Role
from tests.factories import add_member, make_org, make_user

pytestmark = pytest.mark.django_db


def change_membership(pk, **fields):
    with scopes_disabled():
        Membership.objects.filter(pk=pk).update(**fields)


def _plain(contexts):
    return [
        (org_id, ctx.membership.pk, ctx.role, ctx.organization.pk, sorted(ctx.clinic_ids))
        for org_id, ctx in contexts.items()
    ]


def test_one_query_gives_the_user_and_the_same_memberships(alpha, beta):
    # The practitioner of alpha also works at beta, and had an inactive membership somewhere else.
    user = alpha.practitioner
    add_member(beta.org, user, Role.STAFF, beta.clinics[1:])
    gone_org, gone_clinics = make_org("Gone")
    gone = add_member(gone_org, user, Role.OWNER, gone_clinics)
    change_membership(gone.pk, is_active=False)

    with CaptureQueriesContext(connection) as queries:
        loaded = user_with_memberships(user.pk)
        contexts = memberships_of(loaded)
    assert len(queries) == 1
    assert loaded == user and loaded.email == user.email
    fresh = User.objects.get(pk=user.pk)
    assert _plain(contexts) == _plain(memberships_of(fresh))  # as read on their own
    assert list(contexts) == [alpha.org.pk, beta.org.pk]  # oldest first: the default organization
    assert contexts[beta.org.pk].clinic_ids == {beta.clinics[1].pk}
    # Every membership points at the one user object.
    assert all(ctx.membership.user is loaded for ctx in contexts.values())


def test_without_membership_the_user_is_read_on_its_own():
    user = make_user()
    with CaptureQueriesContext(connection) as queries:
        loaded = user_with_memberships(user.pk)
        assert memberships_of(loaded) == {}
    assert loaded == user and len(queries) == 2
    assert user_with_memberships(10**12) is None


def test_the_backend_refuses_an_inactive_user(alpha):
    backend = EmailBackend()
    assert backend.get_user(alpha.staff.pk) == alpha.staff
    User.objects.filter(pk=alpha.staff.pk).update(is_active=False)
    assert backend.get_user(alpha.staff.pk) is None


def test_changes_count_from_the_very_next_request(alpha, login, django_assert_max_num_queries):
    client = login(alpha.staff)
    staff = alpha.memberships["staff"]
    first, second = alpha.clinics
    url = f"/api/v1/clinics/{second.pk}"
    assert client.get(url).status_code == 404  # not one of the front desk's clinics

    with scopes_disabled():
        MembershipClinic.objects.create(organization=alpha.org, membership=staff, clinic=second)
    assert client.get(url).status_code == 200

    rename = {"name": "Riverside Renamed"}
    assert client.patch(url, rename, content_type="application/json").status_code == 403
    change_membership(staff.pk, role=Role.OWNER)
    assert client.patch(url, rename, content_type="application/json").status_code == 200

    change_membership(staff.pk, is_active=False)
    assert client.get(f"/api/v1/clinics/{first.pk}").status_code == 404  # a member of nothing now

    change_membership(staff.pk, is_active=True)
    assert client.get(f"/api/v1/clinics/{first.pk}").status_code == 200
    User.objects.filter(pk=alpha.staff.pk).update(is_active=False)
    assert client.get(f"/api/v1/clinics/{first.pk}").status_code == 401  # signed out
