"""Clinics: every member lists the clinics they work at; owners create, edit, archive and restore them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from core.accounts.forms import CURRENCY_CHOICES
from core.tenancy import services
from core.tenancy.access import check_perm, require_member, visible_clinics
from core.tenancy.models import TIMEZONE_CHOICES, Clinic

from ..common import PageParams, get_clinic, page_of, paginate, requires, responses
from ..schemas import StrictSchema

router = Router(tags=["Clinics"])

TIMEZONES = frozenset(tz for tz, _label in TIMEZONE_CHOICES)
LANGUAGE_CODES = [code for code, _label in settings.LANGUAGES]
CURRENCIES = [code for code, _label in CURRENCY_CHOICES]


class ClinicOut(Schema):
    id: int
    name: str
    slug: str
    timezone: str
    locale: str
    currency: str
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    country: str
    phone: str
    email: str
    archived: bool
    created_at: datetime


ClinicPage = page_of(ClinicOut)


class ClinicFields(StrictSchema):
    """Clinic details; on a change only the fields sent are applied."""

    name: Annotated[str, Field(max_length=200)] = None
    slug: Annotated[str, Field(max_length=60)] = Field(
        None, description="Short name used in web addresses; unique. Made from the name when left out."
    )
    timezone: str = Field(None, description="An IANA time zone such as Europe/Paris.")
    locale: str = Field(None, description=f"One of {', '.join(LANGUAGE_CODES)}.")
    currency: str = Field(None, description=f"One of {', '.join(CURRENCIES)}.")
    address_line1: str = None
    address_line2: str = None
    city: str = None
    postal_code: str = None
    country: str = Field(None, description="Two-letter country code.")
    phone: str = None
    email: str = None

    @field_validator("name")
    @classmethod
    def _name(cls, value):
        if not value.strip():
            raise ValueError(_("This field cannot be blank."))
        return value.strip()

    @field_validator("slug")
    @classmethod
    def _slug(cls, value):
        value = value.strip()
        if value:
            try:
                validate_slug(value)
            except ValidationError as error:
                raise ValueError(" ".join(error.messages)) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value):
        if value not in TIMEZONES:
            raise ValueError(_("Select a valid choice. That choice is not one of the available choices."))
        return value

    @field_validator("locale")
    @classmethod
    def _locale(cls, value):
        if value not in LANGUAGE_CODES:
            raise ValueError(_("Select a valid choice. That choice is not one of the available choices."))
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value):
        if value not in CURRENCIES:
            raise ValueError(_("Select a valid choice. That choice is not one of the available choices."))
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value):
        return value.strip().upper()

    @field_validator("email")
    @classmethod
    def _email(cls, value):
        value = value.strip()
        if value:
            try:
                validate_email(value)
            except ValidationError as error:
                raise ValueError(" ".join(error.messages)) from None
        return value


class ClinicCreateIn(ClinicFields):
    name: Annotated[str, Field(max_length=200)]


class ClinicFilters(PageParams):
    include_archived: bool = Field(False, description="Also list archived clinics.")


@router.get("/clinics", response=responses({200: ClinicPage}), operation_id="clinics_list")
def list_clinics(request, filters: Query[ClinicFilters]):
    """The clinics the caller may see: all of them for an owner, their own clinics for everyone else."""
    require_member(request)
    clinics = visible_clinics(request, include_archived=filters.include_archived).order_by(
        "archived", "name", "id"
    )
    return paginate(request, clinics, filters)


@router.post(
    "/clinics",
    response=responses({201: ClinicOut}),
    operation_id="clinics_create",
    openapi_extra=requires("tenancy.manage_clinics"),
)
def create_clinic(request, payload: ClinicCreateIn):
    """Open a new clinic (owners). A short name already in use anywhere is refused (422, field ``slug``)."""
    ctx = require_member(request)
    check_perm(request, "tenancy.manage_clinics", ctx.organization)
    data = payload.model_dump(exclude_unset=True)
    with transaction.atomic():
        clinic = services.create_clinic(ctx.organization, name=data.pop("name"), **data)
    return Status(201, clinic)


@router.get(
    "/clinics/{clinic_id}",
    response=responses({200: ClinicOut}),
    operation_id="clinics_get",
    openapi_extra=requires("tenancy.view_clinic"),
)
def get_clinic_detail(request, clinic_id: int):
    return get_clinic(request, clinic_id)


@router.patch(
    "/clinics/{clinic_id}",
    response=responses({200: ClinicOut}),
    operation_id="clinics_update",
    openapi_extra=requires("tenancy.manage_clinics"),
)
def update_clinic(request, clinic_id: int, payload: ClinicFields):
    """Change a clinic's details (owners). Only the fields sent are changed."""
    clinic = get_clinic(request, clinic_id, "tenancy.manage_clinics")
    changes = payload.model_dump(exclude_unset=True)
    slug = changes.pop("slug", None) or clinic.slug
    return services.update_clinic(clinic, slug=slug, **changes)


def _set_archived(request, clinic_id: int, archived: bool) -> Clinic:
    clinic = get_clinic(request, clinic_id, "tenancy.manage_clinics")
    return services.set_clinic_archived(clinic, archived)


@router.post(
    "/clinics/{clinic_id}/archive",
    response=responses({200: ClinicOut}),
    operation_id="clinics_archive",
    openapi_extra=requires("tenancy.manage_clinics"),
)
def archive_clinic(request, clinic_id: int):
    """Archive a clinic (owners). Its data is kept; it can be restored."""
    return _set_archived(request, clinic_id, True)


@router.post(
    "/clinics/{clinic_id}/unarchive",
    response=responses({200: ClinicOut}),
    operation_id="clinics_unarchive",
    openapi_extra=requires("tenancy.manage_clinics"),
)
def unarchive_clinic(request, clinic_id: int):
    """Restore an archived clinic (owners)."""
    return _set_archived(request, clinic_id, False)
