"""Who is acting, for which organization: the member's memberships, resolved once per request.

Resolving the tenant is one of the few places allowed to look across organizations: a user's
memberships are what decide which organization's scope a request runs in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django_scopes import scopes_disabled

from core.compiled import CompiledQuery

from .models import Membership, MembershipClinic, Organization, Role

SESSION_KEY = "ehr_organization"


@dataclass
class MemberContext:
    membership: Membership
    clinic_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def organization(self) -> Organization:
        return self.membership.organization

    @property
    def role(self) -> str:
        return self.membership.role


def _active_memberships(queryset):
    """``queryset``'s active memberships of a live organization, with their organization and clinic ids,
    oldest first (the order that makes the oldest membership the default one)."""
    # One query: the clinic ids come along as an array.
    clinics = MembershipClinic.objects.filter(membership_id=OuterRef("pk")).values("clinic_id")
    return (
        queryset.filter(is_active=True, organization__isnull=False)
        .select_related("organization")
        .annotate(ehr_clinic_ids=ArraySubquery(clinics))
        .order_by("created_at", "id")
    )


def _contexts(memberships) -> dict[int, MemberContext]:
    return {
        m.organization_id: MemberContext(membership=m, clinic_ids=frozenset(m.ehr_clinic_ids or ()))
        for m in memberships
    }


def memberships_of(user) -> dict[int, MemberContext]:
    """Active memberships of ``user`` keyed by organization id, cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_ehr_memberships", None)
    if cached is not None:
        return cached
    # scopes_disabled: tenant resolution — a user's own memberships span organizations by design.
    with scopes_disabled():
        result = _contexts(list(_active_memberships(Membership.objects.filter(user=user))))
    user._ehr_memberships = result
    return result


# Read on every signed-in request: compiled once (core/compiled.py), then only run.
_MEMBERSHIPS_WITH_USER = CompiledQuery(
    lambda user_id: _active_memberships(Membership.objects.filter(user_id=user_id)).select_related("user")
)


def user_with_memberships(user_id):
    """The user ``user_id`` (None when there is none) with their active memberships already resolved.

    Every signed-in request needs both, so a member's request reads them in one query: the memberships
    with their user. Someone with no active membership (a patient, an operator) gets no row from it, and
    their user is read on its own. Nothing is kept between requests: a role change, a removal or a
    deactivation counts from the very next request.
    """
    from django.contrib.auth import get_user_model

    # scopes_disabled: tenant resolution, as in memberships_of.
    with scopes_disabled():
        rows = _MEMBERSHIPS_WITH_USER(user_id=user_id)
    if rows:
        user = rows[0].user
        for membership in rows:
            membership.user = user  # one user object, whose memberships these are
    else:
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        if user is None:
            return None
    user._ehr_memberships = _contexts(rows)
    return user


def forget_memberships(user) -> None:
    if hasattr(user, "_ehr_memberships"):
        del user._ehr_memberships


def member_context(user, organization_id: int | None) -> MemberContext | None:
    if organization_id is None:
        return None
    return memberships_of(user).get(organization_id)


def active_member_context(request) -> MemberContext | None:
    """The membership the request acts under: the one picked in the session, else the oldest."""
    memberships = memberships_of(request.user)
    if not memberships:
        return None
    token = getattr(request, "api_token", None)
    if token is not None:
        # A token works for its own organization only.
        return memberships.get(token.organization_id)
    chosen = request.session.get(SESSION_KEY)
    if chosen in memberships:
        return memberships[chosen]
    return next(iter(memberships.values()))


def is_owner_of(user, organization_id: int) -> bool:
    ctx = member_context(user, organization_id)
    return bool(ctx and ctx.role == Role.OWNER)
