"""What every core router shares: documented error responses, declared permissions, pagination and the
lookups that turn a user-supplied id into an object of the caller's organization."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import create_model

from core.tenancy.access import clinic_for_member, parse_id, visible_clinics
from core.tenancy.models import Clinic

from .schemas import ErrorOut

# Any operation may answer these: not signed in; refused (role, CSRF, two-factor policy); not found (or not
# yours, which looks the same); invalid input.
ERROR_STATUSES = (401, 403, 404, 422)

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def responses(ok: dict[int, Any], *extra: int) -> dict[int, Any]:
    """The documented responses of an operation: its success schema plus the uniform error body."""
    result = dict(ok)
    for status in (*ERROR_STATUSES, *extra):
        result[status] = ErrorOut
    return result


def requires(permission: str) -> dict:
    """OpenAPI extension naming the ``rules`` permission an operation checks, for readers of the docs."""
    return {"x-permission": permission}


# --- pagination ------------------------------------------------------------------------------------------


class PageParams(Schema):
    page: int = Field(1, ge=1, description="Page number, from 1.")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page.")


class PageBase(Schema):
    count: int
    page: int
    page_size: int
    next: str | None = Field(None, description="URL of the next page, if any.")
    previous: str | None = Field(None, description="URL of the previous page, if any.")


def page_of(item: type[Schema]) -> type[Schema]:
    """The page envelope for ``item``: ``{count, page, page_size, next, previous, items}``."""
    name = item.__name__.removesuffix("Out") + "Page"
    return create_model(name, __base__=PageBase, items=(list[item], ...))


def _page_url(request, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginate(request, queryset: QuerySet, params: PageParams) -> dict:
    """One page of ``queryset``: a COUNT and one SELECT, whatever the number of rows."""
    count = queryset.count()
    start = (params.page - 1) * params.page_size
    items = list(queryset[start : start + params.page_size]) if start < count else []
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "next": _page_url(request, params.page + 1) if start + params.page_size < count else None,
        "previous": _page_url(request, params.page - 1) if params.page > 1 else None,
        "items": items,
    }


# --- lookups ---------------------------------------------------------------------------------------------


def get_clinic(request, clinic_id, permission: str | None = "tenancy.view_clinic") -> Clinic:
    """A clinic from a path id: 404 when missing, foreign or not one the member may see; 403 when seen
    but ``permission`` is refused."""
    return clinic_for_member(request, clinic_id, permission)


def choose_clinics(request, clinic_ids: list[int], field: str) -> list[Clinic]:
    """Open clinics of the organization named in a request body, or a field error (a foreign id reads
    exactly like a missing one)."""
    wanted = set()
    for value in clinic_ids:
        try:
            wanted.add(parse_id(value))
        except Http404:
            raise ValidationError({field: _("Choose clinics of this organization.")}) from None
    found = list(
        Clinic.objects.filter(organization_id=request.organization.pk, archived=False, pk__in=wanted)
    )
    if len(found) != len(wanted):
        raise ValidationError({field: _("Choose clinics of this organization.")})
    return found


def choose_visible_clinic(request, clinic_id: int, field: str = "clinic_id") -> Clinic:
    """One open clinic the member works at, named in a request body, or a field error."""
    try:
        clinic = visible_clinics(request).filter(pk=parse_id(clinic_id)).first()
    except Http404:
        clinic = None
    if clinic is None:
        raise ValidationError({field: _("Choose one of your clinics.")})
    return clinic
