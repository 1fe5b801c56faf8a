"""Invitations (owners): invite someone by email with a role at some clinics, resend, withdraw."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from core.tenancy import services
from core.tenancy.access import check_perm, get_for_member, require_member
from core.tenancy.emails import send_invitation_email
from core.tenancy.models import Invitation, InvitationClinic, Role

from ..common import PageParams, choose_clinics, page_of, paginate, requires, responses
from ..errors import django_field_errors
from ..schemas import StrictSchema

router = Router(tags=["Invitations"])


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    clinic_ids: list[int]
    status: Literal["pending", "expired", "accepted", "revoked"]
    created_at: datetime
    expires_at: datetime


InvitationPage = page_of(InvitationOut)


class InvitationIn(StrictSchema):
    email: Annotated[str, Field(max_length=254)]
    role: Literal["owner", "practitioner", "staff"]
    clinic_ids: list[int] = Field(
        default_factory=list,
        description="Clinics the person will work at; required unless inviting an owner.",
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value):
        value = value.strip().lower()
        try:
            validate_email(value)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None
        return value


def _invitations():
    return Invitation.objects.select_related("organization").prefetch_related(
        Prefetch(
            "invitationclinic_set", queryset=InvitationClinic.objects.only("id", "invitation_id", "clinic_id")
        )
    )


def _out(invitation: Invitation) -> dict:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "role": invitation.role,
        "clinic_ids": sorted(link.clinic_id for link in invitation.invitationclinic_set.all()),
        "status": invitation.status,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
    }


def _get_invitation(request, invitation_id: int) -> Invitation:
    invitation = get_for_member(request, _invitations(), invitation_id)
    check_perm(request, "tenancy.manage_members", invitation)
    return invitation


@router.get(
    "/invitations",
    response=responses({200: InvitationPage}),
    operation_id="invitations_list",
    openapi_extra=requires("tenancy.manage_members"),
)
def list_invitations(request, filters: Query[PageParams]):
    """Invitations not yet accepted or withdrawn, newest first (owners)."""
    ctx = require_member(request)
    check_perm(request, "tenancy.manage_members", ctx.organization)
    invitations = _invitations().filter(
        organization_id=ctx.organization.pk, accepted_at__isnull=True, revoked_at__isnull=True
    )
    page = paginate(request, invitations.order_by("-created_at", "-id"), filters)
    page["items"] = [_out(i) for i in page["items"]]
    return page


@router.post(
    "/invitations",
    response=responses({201: InvitationOut}),
    operation_id="invitations_create",
    openapi_extra=requires("tenancy.manage_members"),
)
def create_invitation(request, payload: InvitationIn):
    """Invite someone (owners): the invitation email is sent once the invitation is saved."""
    ctx = require_member(request)
    check_perm(request, "tenancy.manage_members", ctx.organization)
    clinics = choose_clinics(request, payload.clinic_ids, "clinic_ids")
    if payload.role in (Role.PRACTITIONER, Role.STAFF) and not clinics:
        raise ValidationError(
            {"clinic_ids": _("Choose at least one clinic for a practitioner or staff member.")}
        )
    try:
        with transaction.atomic():
            invitation, token = services.invite_member(
                ctx.organization, email=payload.email, role=payload.role, clinics=clinics, by=request.user
            )
            send_invitation_email(invitation, token, request.user)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError(django_field_errors(error, {"clinics": "clinic_ids"})) from None
        raise
    return Status(201, _out(_invitations().get(pk=invitation.pk, organization_id=invitation.organization_id)))


@router.post(
    "/invitations/{invitation_id}/resend",
    response=responses({200: InvitationOut}),
    operation_id="invitations_resend",
    openapi_extra=requires("tenancy.manage_members"),
)
def resend_invitation(request, invitation_id: int):
    """Send the invitation again with a fresh link and expiry; the old link stops working (owners)."""
    invitation = _get_invitation(request, invitation_id)
    with transaction.atomic():
        token = services.renew_invitation(invitation)
        send_invitation_email(invitation, token, request.user)
    return _out(invitation)


@router.post(
    "/invitations/{invitation_id}/revoke",
    response=responses({200: InvitationOut}),
    operation_id="invitations_revoke",
    openapi_extra=requires("tenancy.manage_members"),
)
def revoke_invitation(request, invitation_id: int):
    """Withdraw an invitation so its link no longer works (owners)."""
    invitation = _get_invitation(request, invitation_id)
    with transaction.atomic():
        services.revoke_invitation(invitation)
    return _out(invitation)
