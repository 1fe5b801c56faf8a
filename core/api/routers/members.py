"""Members (owners): the team's roles and clinics, and who may sign in."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from ninja import Field, Query, Router, Schema

from core.tenancy import services
from core.tenancy.access import check_perm, get_for_member, require_member
from core.tenancy.models import Membership, MembershipClinic

from ..common import PageParams, choose_clinics, page_of, paginate, requires, responses
from ..errors import django_field_errors
from ..schemas import StrictSchema

router = Router(tags=["Members"])

RoleName = Literal["owner", "practitioner", "staff"]
RENAMED = {"clinics": "clinic_ids"}


class MemberOut(Schema):
    id: int
    user_id: int
    email: str
    full_name: str
    display_name: str
    role: str
    is_active: bool
    clinic_ids: list[int]
    created_at: datetime


MemberPage = page_of(MemberOut)


class MemberPatchIn(StrictSchema):
    role: RoleName = None
    clinic_ids: list[int] = Field(None, description="The clinics this member works at (replaces the list).")


def _members():
    return Membership.objects.select_related("user").prefetch_related(
        Prefetch(
            "membershipclinic_set", queryset=MembershipClinic.objects.only("id", "membership_id", "clinic_id")
        )
    )


def _out(membership: Membership) -> dict:
    return {
        "id": membership.pk,
        "user_id": membership.user_id,
        "email": membership.user.email,
        "full_name": membership.user.full_name,
        "display_name": membership.name,
        "role": membership.role,
        "is_active": membership.is_active,
        "clinic_ids": sorted(link.clinic_id for link in membership.membershipclinic_set.all()),
        "created_at": membership.created_at,
    }


def _get_member(request, member_id: int) -> Membership:
    membership = get_for_member(request, _members(), member_id)
    check_perm(request, "tenancy.manage_members", membership)
    return membership


def _refetch(membership: Membership) -> dict:
    return _out(_members().get(pk=membership.pk, organization_id=membership.organization_id))


def _service_call(func, *args, **kwargs):
    """Run a team service in a transaction; its refusals become 422 with this API's field names."""
    try:
        with transaction.atomic():
            return func(*args, **kwargs)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError(django_field_errors(error, RENAMED)) from None
        raise


@router.get(
    "/members",
    response=responses({200: MemberPage}),
    operation_id="members_list",
    openapi_extra=requires("tenancy.manage_members"),
)
def list_members(request, filters: Query[PageParams]):
    """Everyone in the organization, active members first (owners)."""
    ctx = require_member(request)
    check_perm(request, "tenancy.manage_members", ctx.organization)
    members = (
        _members()
        .filter(organization_id=ctx.organization.pk)
        .order_by("-is_active", "role", "user__email", "id")
    )
    page = paginate(request, members, filters)
    page["items"] = [_out(m) for m in page["items"]]
    return page


@router.patch(
    "/members/{member_id}",
    response=responses({200: MemberOut}),
    operation_id="members_update",
    openapi_extra=requires("tenancy.manage_members"),
)
def update_member(request, member_id: int, payload: MemberPatchIn):
    """Change a member's role or clinics (owners). The last owner cannot stop being one (422)."""
    membership = _get_member(request, member_id)
    changes = payload.model_dump(exclude_unset=True)
    clinics = None
    if "clinic_ids" in changes:
        clinics = choose_clinics(request, changes["clinic_ids"], "clinic_ids")
    _service_call(
        services.change_member, membership, role=changes.get("role"), clinics=clinics, by=request.user
    )
    return _refetch(membership)


def _set_active(request, member_id: int, active: bool) -> dict:
    membership = _get_member(request, member_id)
    _service_call(services.set_member_active, membership, active, by=request.user)
    return _refetch(membership)


@router.post(
    "/members/{member_id}/deactivate",
    response=responses({200: MemberOut}),
    operation_id="members_deactivate",
    openapi_extra=requires("tenancy.manage_members"),
)
def deactivate_member(request, member_id: int):
    """Stop a member from signing in to this organization (owners). The last active owner cannot be."""
    return _set_active(request, member_id, False)


@router.post(
    "/members/{member_id}/reactivate",
    response=responses({200: MemberOut}),
    operation_id="members_reactivate",
    openapi_extra=requires("tenancy.manage_members"),
)
def reactivate_member(request, member_id: int):
    """Let a deactivated member sign in again (owners)."""
    return _set_active(request, member_id, True)
