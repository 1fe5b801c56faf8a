"""Encounter operations: list a patient's, start one standalone or from an appointment, read one."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from core.api.schemas import StrictSchema
from core.audit.recording import api_shows
from core.audit.vocabulary import Category

from ..access import access_chart, access_encounter
from ..models import Encounter, EncounterKind
from ..services import encounters as services
from .common import ERRORS, require_writer

router = Router()


class EncounterOut(Schema):
    id: int
    patient_id: int
    clinic_id: int
    practitioner_id: int
    kind: str
    appointment_id: int | None
    reason: str
    started_at: datetime
    ended_at: datetime | None


class EncounterIn(StrictSchema):
    kind: Literal[tuple(k for k in EncounterKind.values if k != "appointment")]  # type: ignore[valid-type]
    reason: str = Field(default="", max_length=300)
    started_at: datetime | None = None


@router.get(
    "/patients/{patient_id}/encounters", response={200: list[EncounterOut], **ERRORS}, summary="Encounters"
)
@api_shows(Category.CLINICAL_NOTES)
def list_encounters(request: HttpRequest, patient_id: str) -> list:
    patient = access_chart(request, patient_id)
    return list(
        Encounter.objects.filter(organization_id=patient.organization_id, patient=patient).order_by(
            "-started_at"
        )[:200]
    )


@router.post(
    "/patients/{patient_id}/encounters", response={201: EncounterOut, **ERRORS}, summary="Start an encounter"
)
@api_shows(Category.CLINICAL_NOTES)
def create_encounter(request: HttpRequest, patient_id: str, payload: EncounterIn) -> Status:
    patient = access_chart(request, patient_id)
    require_writer(request)
    encounter = services.start_encounter(
        request.clinic,
        patient,
        request.member.membership,
        kind=payload.kind,
        reason=payload.reason,
        started_at=payload.started_at,
        by=request.user,
    )
    return Status(201, encounter)


@router.post(
    "/visits/{appointment_id}/start",
    response={200: EncounterOut, 201: EncounterOut, **ERRORS},
    summary="Start the visit of an appointment",
)
@api_shows(Category.CLINICAL_NOTES)
def start_visit(request: HttpRequest, appointment_id: int) -> Status:
    facts = services.appointment_facts(request.clinic, appointment_id)
    if facts is None:
        raise Http404
    access_chart(request, facts.patient_id)
    require_writer(request)
    encounter, created = services.start_visit(request.clinic, appointment_id, by=request.user)
    return Status(201 if created else 200, encounter)


@router.get("/encounters/{encounter_id}", response={200: EncounterOut, **ERRORS}, summary="Encounter")
@api_shows(Category.CLINICAL_NOTES, Category.VITALS)
def get_encounter(request: HttpRequest, encounter_id: str) -> Encounter:
    return access_encounter(request, encounter_id)
