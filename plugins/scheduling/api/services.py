"""The services the clinic offers: listing the active ones and adding one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Status

from core.tenancy.access import check_perm
from core.tenancy.models import Membership

from .. import selectors
from ..models import Service, ServicePractitioner
from ..services import catalogue
from .responses import ERRORS
from .schemas import ServiceIn, ServiceOut

router = Router()


def _service_out(service: Service, practitioner_ids: list[int]) -> dict:
    return {
        **{
            f: getattr(service, f)
            for f in (
                "id",
                "name",
                "duration_minutes",
                "price",
                "currency",
                "buffer_before_minutes",
                "buffer_after_minutes",
                "bookable_online",
                "colour",
                "active",
            )
        },
        "practitioner_ids": practitioner_ids,
    }


@router.get("/services", response={200: list[ServiceOut], **ERRORS})
def list_services(request):
    """Active services of the clinic."""
    check_perm(request, "scheduling.view_calendar", request.clinic)
    service_list = list(selectors.active_services(request.clinic))
    offered: dict[int, list[int]] = {s.pk: [] for s in service_list}
    for service_id, membership_id in (
        ServicePractitioner.objects.filter(
            organization_id=request.clinic.organization_id, service_id__in=list(offered)
        )
        .order_by("membership_id")
        .values_list("service_id", "membership_id")
    ):
        offered[service_id].append(membership_id)
    return [_service_out(s, offered[s.pk]) for s in service_list]


@router.post("/services", response={201: ServiceOut, **ERRORS})
def create_service(request, payload: ServiceIn):
    check_perm(request, "scheduling.manage_services", request.clinic)
    data = payload.dict()
    ids = data.pop("practitioner_ids")
    members = list(Membership.objects.filter(organization_id=request.clinic.organization_id, pk__in=ids))
    if len(members) != len(set(ids)):
        raise ValidationError({"practitioner_ids": _("Choose members of this organization.")})
    service = catalogue.create_service(request.clinic, practitioners=members, **data)
    return Status(201, _service_out(service, sorted(m.pk for m in members)))
