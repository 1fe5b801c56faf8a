"""``rules`` predicates for who may do what. Every predicate takes (user, obj) where obj is an
Organization, a Clinic, or any tenant object (something with ``organization_id``).

A predicate never answers True for an object of an organization the user is not an active member of.
"""

from __future__ import annotations

import rules

from .context import MemberContext, member_context
from .models import Organization, Role


def organization_id_of(obj) -> int | None:
    if obj is None:
        return None
    if isinstance(obj, Organization):
        return obj.pk
    return getattr(obj, "organization_id", None)


def context_for(user, obj) -> MemberContext | None:
    return member_context(user, organization_id_of(obj))


def clinic_ids_of(obj) -> set[int] | None:
    """The clinics an object belongs to, or None when it is organization-wide."""
    from .models import Clinic

    if isinstance(obj, Clinic):
        return {obj.pk}
    if hasattr(obj, "ehr_clinic_ids"):
        return set(obj.ehr_clinic_ids())
    clinic_id = getattr(obj, "clinic_id", None)
    if clinic_id is not None:
        return {clinic_id}
    return None


@rules.predicate
def is_member(user, obj) -> bool:
    return context_for(user, obj) is not None


@rules.predicate
def is_owner(user, obj) -> bool:
    ctx = context_for(user, obj)
    return bool(ctx and ctx.role == Role.OWNER)


@rules.predicate
def is_own_membership(user, obj) -> bool:
    """``obj`` is the user's own membership, in an organization where they are an active member."""
    return getattr(obj, "user_id", None) == user.pk and context_for(user, obj) is not None


@rules.predicate
def is_practitioner(user, obj) -> bool:
    ctx = context_for(user, obj)
    return bool(ctx and ctx.role == Role.PRACTITIONER)


@rules.predicate
def is_staff_member(user, obj) -> bool:
    ctx = context_for(user, obj)
    return bool(ctx and ctx.role == Role.STAFF)


@rules.predicate
def works_at_object_clinic(user, obj) -> bool:
    """The object belongs to at least one of the member's clinics (organization-wide objects: any)."""
    ctx = context_for(user, obj)
    if ctx is None:
        return False
    clinics = clinic_ids_of(obj)
    if clinics is None:
        return bool(ctx.clinic_ids)
    return bool(clinics & ctx.clinic_ids)


is_team_member_at_clinic = (is_practitioner | is_staff_member) & works_at_object_clinic
