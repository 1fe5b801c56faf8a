"""Querysets compiled once and run with new values (core/compiled.py) answer exactly what the ORM
answers, in one query, without building the queryset again; and refuse what the scoped manager refuses."""

import pytest
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef
from django.test.utils import CaptureQueriesContext
from django_scopes import ScopeError, scope, scopes_disabled

from core.compiled import CompiledQuery
from core.patients.models import Patient
from core.patients.selectors import visible_patients
from core.tenancy.models import Membership, MembershipClinic
from tests.factories import make_patient

pytestmark = pytest.mark.django_db


class Counted:
    """A queryset builder that counts how often it is called."""

    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self, **values):
        self.calls += 1
        return self.build(**values)


def memberships(user_id):
    clinics = MembershipClinic.objects.filter(membership_id=OuterRef("pk")).values("clinic_id")
    return (
        Membership.objects.filter(user_id=user_id, is_active=True)
        .select_related("organization", "user")
        .annotate(clinic_ids=ArraySubquery(clinics))
        .order_by("id")
    )


def as_plain(rows):
    return [
        (m.pk, m.role, m.organization.pk, m.organization.name, m.user.email, sorted(m.clinic_ids))
        for m in rows
    ]


def test_the_same_rows_as_the_orm_with_related_objects_and_annotations(alpha, beta):
    build = Counted(memberships)
    compiled = CompiledQuery(build)
    with scopes_disabled():
        for user in (alpha.owner, alpha.staff, beta.practitioner, alpha.owner):
            with CaptureQueriesContext(connection) as queries:
                rows = compiled(user_id=user.pk)
            assert len(queries) == 1
            assert as_plain(rows) == as_plain(memberships(user.pk))
            assert rows and all(isinstance(m, Membership) and not m._state.adding for m in rows)
        assert compiled(user_id=10**12) == []
    assert build.calls == 1  # built once, with stand-ins; every later call only ran the SQL


def test_lists_of_ids_of_each_length_get_their_own_plan(alpha):
    extra = make_patient(alpha.clinics[1], "Robin", "Second")
    build = Counted(
        lambda organization_id, clinic_ids: Patient.objects.filter(
            organization_id=organization_id, clinics__pk__in=clinic_ids
        ).order_by("pk")
    )
    compiled = CompiledQuery(build)
    with scope(organization=alpha.org.pk):
        first = [p.pk for p in compiled(organization_id=alpha.org.pk, clinic_ids={alpha.clinics[0].pk})]
        both = [
            p.pk for p in compiled(organization_id=alpha.org.pk, clinic_ids={c.pk for c in alpha.clinics})
        ]
        second = [p.pk for p in compiled(organization_id=alpha.org.pk, clinic_ids={alpha.clinics[1].pk})]
    assert first == [alpha.patient.pk]
    assert both == sorted([alpha.patient.pk, extra.pk])
    assert second == [extra.pk]
    assert build.calls == 2  # one plan for one id, one for two


def test_a_value_the_orm_transforms_is_left_to_the_orm(alpha):
    build = Counted(
        lambda organization_id, fragment: Patient.objects.filter(
            organization_id=organization_id, family_name__icontains=fragment
        )
    )
    compiled = CompiledQuery(build)
    with scope(organization=alpha.org.pk):
        assert [p.pk for p in compiled(organization_id=alpha.org.pk, fragment="alphapat")] == [
            alpha.patient.pk
        ]
        assert compiled(organization_id=alpha.org.pk, fragment="nobody") == []
    assert build.calls == 3  # the stand-in try, then the ORM for each call


def test_outside_the_tenant_scope_it_is_refused_like_the_scoped_manager(alpha):
    compiled = CompiledQuery(lambda organization_id: Patient.objects.filter(organization_id=organization_id))
    with scope(organization=alpha.org.pk):
        assert len(compiled(organization_id=alpha.org.pk)) == 1
    with pytest.raises(ScopeError):
        compiled(organization_id=alpha.org.pk)


def test_visible_patients_reads_the_same_through_a_compiled_query(alpha):
    staff = alpha.memberships["staff"]
    compiled = CompiledQuery(lambda pk: visible_patients(context(staff)).filter(pk=pk)[:1])
    with scope(organization=alpha.org.pk):
        assert compiled(pk=alpha.patient.pk) == [alpha.patient]
        hidden = make_patient(alpha.clinics[1], "Other", "Clinic")
        assert compiled(pk=hidden.pk) == []  # a patient of a clinic the front desk does not work at


def context(membership):
    from core.tenancy.context import memberships_of

    return memberships_of(membership.user)[membership.organization_id]


def test_the_tenant_scope_is_filled_in_at_each_run(alpha, beta):
    """The scoped manager filters by the active scope: a plan compiled under one organization's scope
    answers for another's under theirs, and nothing of another organization under one's own."""
    compiled = CompiledQuery(lambda pk: Patient.objects.filter(pk=pk)[:1])
    with scope(organization=alpha.org.pk):
        assert compiled(pk=alpha.patient.pk) == [alpha.patient]
        assert compiled(pk=beta.patient.pk) == []
    with scope(organization=beta.org.pk):
        assert compiled(pk=beta.patient.pk) == [beta.patient]
        assert compiled(pk=alpha.patient.pk) == []
    with scopes_disabled():
        assert compiled(pk=alpha.patient.pk) == [alpha.patient]
