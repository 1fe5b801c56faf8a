"""The organization the request acts for."""

from __future__ import annotations

from typing import Annotated

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import field_validator

from core.accounts.identity import identity_refusal
from core.compliance.packs import pack_for_country
from core.tenancy import services
from core.tenancy.access import check_perm, require_member
from core.tenancy.context import forget_memberships
from core.tenancy.models import Organization

from ..common import requires, responses
from ..errors import error_body
from ..schemas import StrictSchema

router = Router(tags=["Organization"])

# How members sign in: changing these needs the caller's password or a current code, as in the office.
SECURITY_FIELDS = ("require_two_factor", "session_idle_minutes")
PROOF_FIELDS = ("current_password", "otp_code")

LANGUAGE_CODES = [code for code, _label in settings.LANGUAGES]


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    default_locale: str
    country: str = Field(description="ISO code of the country whose compliance pack applies; empty for none.")
    require_two_factor: bool
    session_idle_minutes: int | None
    show_staff_names_to_patients: bool = Field(
        description="Whether the patient portal's “Who viewed my record” names staff next to their role."
    )
    role: str = Field(description="The caller's role in this organization.")


class OrganizationPatchIn(StrictSchema):
    name: Annotated[str, Field(min_length=1, max_length=200)] = None
    default_locale: str = Field(None, description=f"One of {', '.join(LANGUAGE_CODES)}.")
    country: str = Field(None, description="ISO code of a shipped compliance pack, or empty for none.")
    require_two_factor: bool = None
    session_idle_minutes: int | None = Field(
        None, description="Sign members out after this many idle minutes (5 to 1440); null for the default."
    )
    show_staff_names_to_patients: bool = None
    current_password: str = Field(
        None,
        max_length=256,
        description="The caller's password: needed to change require_two_factor or session_idle_minutes.",
    )
    otp_code: str = Field(
        None, max_length=8, description="Or a current code from the caller's authenticator app instead."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value):
        if not value.strip():
            raise ValueError(_("This field cannot be blank."))
        return value.strip()

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value):
        if value not in LANGUAGE_CODES:
            raise ValueError(_("Select a valid choice. That choice is not one of the available choices."))
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value):
        value = (value or "").strip().upper()
        if value and pack_for_country(value) is None:
            raise ValueError(_("There is no compliance pack for “%(value)s”.") % {"value": value})
        return value

    @field_validator("session_idle_minutes")
    @classmethod
    def _idle(cls, value):
        if value is not None and not 5 <= value <= 24 * 60:
            raise ValueError(_("Choose between 5 minutes and 24 hours (1440 minutes)."))
        return value


def _out(organization: Organization, role: str) -> dict:
    return {
        "id": organization.pk,
        "name": organization.name,
        "slug": organization.slug,
        "default_locale": organization.default_locale,
        "country": organization.country,
        "require_two_factor": organization.require_two_factor,
        "session_idle_minutes": organization.session_idle_minutes,
        "show_staff_names_to_patients": organization.show_staff_names_to_patients,
        "role": role,
    }


@router.get("/organization", response=responses({200: OrganizationOut}), operation_id="organization_get")
def get_organization(request):
    """The organization this request acts for (a token's own, or the one picked in the session)."""
    ctx = require_member(request)
    return _out(ctx.organization, ctx.role)


@router.patch(
    "/organization",
    response=responses({200: OrganizationOut}),
    operation_id="organization_update",
    openapi_extra=requires("tenancy.change_organization"),
)
def update_organization(request, payload: OrganizationPatchIn):
    """Change the organization's settings (owners). Only the fields sent are changed.

    Changing how members sign in (``require_two_factor``, ``session_idle_minutes``) also needs
    ``current_password`` or ``otp_code``: without a valid one the answer is 403 ``identity_not_confirmed``
    and nothing changes."""
    ctx = require_member(request)
    check_perm(request, "tenancy.change_organization", ctx.organization)
    changes = payload.model_dump(exclude_unset=True)
    proof = {name: changes.pop(name, None) for name in PROOF_FIELDS}
    if any(name in changes and changes[name] != getattr(ctx.organization, name) for name in SECURITY_FIELDS):
        refusal = identity_refusal(request.user, proof["current_password"], proof["otp_code"])
        if refusal:
            fields = {"current_password": [refusal]}
            return Status(403, error_body("identity_not_confirmed", refusal, fields))
    organization = services.update_organization(ctx.organization, **changes)
    forget_memberships(request.user)
    return _out(organization, ctx.role)
