"""Core API resources. Each operation checks the same ``rules`` permissions as the back-office pages."""

from __future__ import annotations

from ninja import Router, Schema

from core.tenancy.access import require_member

from .schemas import ErrorOut

router = Router()


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    role: str
    current: bool


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    organizations: list[OrganizationOut]


@router.get("/me", response={200: MeOut, 401: ErrorOut}, tags=["Account"])
def me(request):
    """The signed-in user and the organizations they belong to."""
    from core.tenancy.context import memberships_of

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


@router.get(
    "/organization", response={200: OrganizationOut, 401: ErrorOut, 404: ErrorOut}, tags=["Organization"]
)
def organization(request):
    """The organization this request acts for (a token's own, or the one picked in the session)."""
    ctx = require_member(request)
    return {
        "id": ctx.organization.pk,
        "name": ctx.organization.name,
        "slug": ctx.organization.slug,
        "role": ctx.role,
        "current": True,
    }
