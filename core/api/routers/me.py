"""The signed-in user."""

from __future__ import annotations

from ninja import Router, Schema

from core.tenancy.context import memberships_of

from ..common import responses

router = Router(tags=["Account"])


class MembershipOut(Schema):
    id: int
    name: str
    slug: str
    role: str
    current: bool


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    organizations: list[MembershipOut]


@router.get("/me", response=responses({200: MeOut}), operation_id="me_get")
def me(request):
    """The signed-in user and the organizations they belong to (``current`` marks the one this request
    acts for: a token's own, or the one picked in the session)."""
    current = getattr(request, "organization", None)
    return {
        "id": request.user.pk,
        "email": request.user.email,
        "full_name": request.user.full_name,
        "organizations": [
            {
                "id": ctx.organization.pk,
                "name": ctx.organization.name,
                "slug": ctx.organization.slug,
                "role": ctx.role,
                "current": current is not None and ctx.organization.pk == current.pk,
            }
            for ctx in memberships_of(request.user).values()
        ],
    }
