"""Personal API tokens: each member manages their own, for the organization they act for."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from core.accounts.models import ApiToken
from core.accounts.second_factor import token_creation_refusal
from core.accounts.tokens import create_token, revoke_token
from core.tenancy.access import check_perm, get_for_member, require_member

from ..common import PageParams, page_of, paginate, requires, responses
from ..errors import error_body
from ..schemas import StrictSchema

router = Router(tags=["API tokens"])

PERMISSION = "accounts.manage_own_api_tokens"


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


TokenPage = page_of(TokenOut)


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself. It is shown this once and cannot be retrieved later.")


class TokenIn(StrictSchema):
    name: Annotated[str, Field(max_length=100, description="What the token is for.")]

    @field_validator("name")
    @classmethod
    def _name(cls, value):
        if not value.strip():
            raise ValueError(_("This field cannot be blank."))
        return value.strip()


def _own_tokens(request):
    return ApiToken.objects.filter(organization_id=request.organization.pk, user=request.user)


@router.get(
    "/tokens",
    response=responses({200: TokenPage}),
    operation_id="tokens_list",
    openapi_extra=requires(PERMISSION),
)
def list_tokens(request, filters: Query[PageParams]):
    """The caller's own tokens for this organization, newest first (revoked ones included)."""
    ctx = require_member(request)
    check_perm(request, PERMISSION, ctx.organization)
    return paginate(request, _own_tokens(request).order_by("-created_at", "-id"), filters)


@router.post(
    "/tokens",
    response=responses({201: TokenCreatedOut}),
    operation_id="tokens_create",
    openapi_extra=requires(PERMISSION),
)
def create_api_token(request, payload: TokenIn):
    """Create a token working for this organization only. Copy ``token`` now: it is not shown again.

    Under the organization's two-factor policy, only a session that gave an authenticator code within the
    last 15 minutes may create one (403 ``recent_two_factor_required`` otherwise)."""
    ctx = require_member(request)
    check_perm(request, PERMISSION, ctx.organization)
    refusal = token_creation_refusal(request, ctx.organization)
    if refusal:
        return Status(403, error_body("recent_two_factor_required", refusal))
    with transaction.atomic():
        record, token = create_token(request.user, ctx.organization, payload.name)
    out = TokenOut.model_validate(record).model_dump()
    return Status(201, {**out, "token": token})


@router.delete(
    "/tokens/{token_id}",
    response=responses({204: None}),
    operation_id="tokens_revoke",
    openapi_extra=requires(PERMISSION),
)
def revoke_api_token(request, token_id: int):
    """Revoke one of the caller's tokens: calls made with it are refused from now on (401)."""
    require_member(request)
    record = get_for_member(request, _own_tokens(request), token_id, PERMISSION)
    with transaction.atomic():
        revoke_token(record)
    return Status(204, None)
