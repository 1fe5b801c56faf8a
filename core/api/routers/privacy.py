"""Patients' erasure requests (GDPR Art. 17): record one, read them, carry one out. Owners only, as in
the back office; the decision is weighed against the organization's country pack."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema
from ninja.responses import Status

from core.compliance import erasure
from core.compliance.access import access_erasure_request
from core.compliance.models import ErasureRequest, RequestChannel
from core.patients.access import access_patient
from core.tenancy.access import check_perm, require_member

from ..common import requires, responses
from ..errors import ApiConflict
from ..schemas import StrictSchema

router = Router(tags=["Privacy"])

PERMISSION = "compliance.manage_erasure_requests"


class ClassDecisionOut(Schema):
    record_class: str
    count: int
    last_activity: date | None
    action: str = Field(description="``erase`` or ``keep``.")
    law: str = Field(description="The legal ground for keeping the records (empty when erased).")
    kept_until: date | None = Field(description="The first day the kept records may go.")


class ErasureRequestOut(Schema):
    id: int
    patient_id: int
    channel: str
    requested_at: datetime
    note: str
    status: str = Field(description="pending, erased, partly_erased or refused.")
    decided_at: datetime | None
    pack: str = Field(description="The country pack and version the decision applied (``DE/2026-01``).")
    outcome: list[ClassDecisionOut]


class ErasureRequestIn(StrictSchema):
    note: Annotated[str, Field(max_length=500)] = ""


@router.get(
    "/privacy/erasure-requests",
    response=responses({200: list[ErasureRequestOut]}),
    operation_id="privacy_erasure_requests_list",
    openapi_extra=requires(PERMISSION),
)
def list_erasure_requests(request):
    """The organization's erasure requests, newest first (the latest 200)."""
    member = require_member(request)
    check_perm(request, PERMISSION, member.organization)
    return list(ErasureRequest.objects.filter(organization_id=member.organization.pk)[:200])


@router.post(
    "/patients/{patient_id}/erasure-requests",
    response=responses({201: ErasureRequestOut}, 409),
    operation_id="privacy_erasure_requests_create",
    openapi_extra=requires(PERMISSION),
)
def create_erasure_request(request, patient_id: int, payload: ErasureRequestIn):
    """Record a patient's erasure request. 409 while an earlier one waits for a decision."""
    patient = access_patient(request, patient_id, permission=PERMISSION)
    try:
        created = erasure.record_request(
            patient, by=request.user, channel=RequestChannel.API, note=payload.note
        )
    except ValidationError as error:
        raise ApiConflict(" ".join(error.messages), code="open_request") from None
    return Status(201, created)


@router.get(
    "/privacy/erasure-requests/{erasure_request_id}",
    response=responses({200: ErasureRequestOut}),
    operation_id="privacy_erasure_requests_get",
    openapi_extra=requires(PERMISSION),
)
def get_erasure_request(request, erasure_request_id: int):
    return access_erasure_request(request, erasure_request_id)


@router.post(
    "/privacy/erasure-requests/{erasure_request_id}/carry-out",
    response=responses({200: ErasureRequestOut}, 409),
    operation_id="privacy_erasure_requests_carry_out",
    openapi_extra=requires(PERMISSION),
)
def carry_out_erasure_request(request, erasure_request_id: int):
    """Decide the request and apply the decision in one transaction: erase what the retention rules let
    go, keep the rest with its legal ground (``outcome``). 409 when it was already decided; 422 when
    the organization has no country or a module cannot erase what the law lets go."""
    found = access_erasure_request(request, erasure_request_id)
    try:
        return erasure.carry_out(found, by=request.user)
    except ValidationError as error:
        if error.code == "decided":
            raise ApiConflict(" ".join(error.messages), code="decided") from None
        raise
