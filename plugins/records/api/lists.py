"""Vitals, allergies, medications and problems: list, add, change (each change a kept version)."""

# No "from __future__ import annotations": the operations built in a loop annotate their body with the
# loop's schema, which ninja must see as a class, not as a name to look up later.

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Path, Router, Schema, Status
from pydantic import Field

from core.api.schemas import StrictSchema
from core.audit.recording import api_shows
from core.audit.vocabulary import Category

from .. import selectors
from ..access import LIST_MODELS, access_chart, access_list_entry
from ..models import AllergySeverity, AllergyStatus, MedicationStatus, ProblemStatus, Vital
from ..services import lists
from ..vitals_catalog import ENTERED
from .common import ERRORS, require_writer

router = Router()


class VitalOut(Schema):
    id: int
    kind: str
    loinc_code: str
    value: Decimal
    unit: str
    measured_at: datetime
    encounter_id: int | None
    entered_in_error: bool


class VitalsIn(StrictSchema):
    values: dict[Literal[ENTERED], Decimal] = Field(  # type: ignore[valid-type]
        description="Measurements keyed by vital sign, in the clinic's units (or ``units``)."
    )
    units: Literal["metric", "us"] | None = None
    measured_at: datetime | None = None
    encounter_id: int | None = None


class AllergyIn(StrictSchema):
    substance: str = Field(min_length=1, max_length=200)
    reaction: str = Field(default="", max_length=300)
    severity: Literal[tuple(AllergySeverity.values)]  # type: ignore[valid-type]
    is_intolerance: bool = False
    status: Literal[tuple(AllergyStatus.values)] = "active"  # type: ignore[valid-type]
    version: int | None = None


class AllergyOut(Schema):
    id: int
    substance: str
    reaction: str
    severity: str
    is_intolerance: bool
    status: str
    version: int
    entered_in_error: bool
    updated_at: datetime


class MedicationIn(StrictSchema):
    name: str = Field(min_length=1, max_length=200)
    dose: str = Field(default="", max_length=100)
    route: str = Field(default="", max_length=60)
    frequency: str = Field(default="", max_length=100)
    start_date: date | None = None
    stop_date: date | None = None
    status: Literal[tuple(MedicationStatus.values)] = "active"  # type: ignore[valid-type]
    version: int | None = None


class MedicationOut(Schema):
    id: int
    name: str
    dose: str
    route: str
    frequency: str
    start_date: date | None
    stop_date: date | None
    status: str
    version: int
    entered_in_error: bool
    updated_at: datetime


class ProblemIn(StrictSchema):
    description: str = Field(min_length=1, max_length=300)
    icd10_code: str = Field(default="", max_length=10)
    onset_date: date | None = None
    resolved_date: date | None = None
    status: Literal[tuple(ProblemStatus.values)] = "active"  # type: ignore[valid-type]
    version: int | None = None


class ProblemOut(Schema):
    id: int
    description: str
    icd10_code: str
    onset_date: date | None
    resolved_date: date | None
    status: str
    version: int
    entered_in_error: bool
    updated_at: datetime


@router.get("/patients/{patient_id}/vitals", response={200: list[VitalOut], **ERRORS}, summary="Vitals")
@api_shows(Category.VITALS)
def list_vitals(request: HttpRequest, patient_id: str) -> list:
    patient = access_chart(request, patient_id)
    return list(selectors.list_entries(Vital, patient).order_by("-measured_at", "kind")[:1000])


@router.post(
    "/patients/{patient_id}/vitals", response={201: list[VitalOut], **ERRORS}, summary="Record vitals"
)
@api_shows(Category.VITALS)
def record_vitals(request: HttpRequest, patient_id: str, payload: VitalsIn) -> Status:
    from ..access import access_encounter

    patient = access_chart(request, patient_id)
    require_writer(request)
    encounter = access_encounter(request, payload.encounter_id) if payload.encounter_id else None
    if encounter is not None and encounter.patient_id != patient.pk:
        from django.http import Http404

        raise Http404
    rows = lists.record_vitals(
        request.clinic,
        patient,
        dict(payload.values),
        by=request.user,
        encounter=encounter,
        measured_at=payload.measured_at,
        units=payload.units,
    )
    return Status(201, rows)


def _list_routes(kind: str, schema_in: type[Schema], schema_out: type[Schema], singular: str) -> None:
    model = LIST_MODELS[kind]

    @router.get(
        f"/patients/{{patient_id}}/{kind}",
        response={200: list[schema_out], **ERRORS},
        summary=kind.capitalize(),
        operation_id=f"records_list_{kind}",
    )
    @api_shows(Category.VITALS if kind == "vitals" else Category.CLINICAL_LISTS)
    def list_entries(request: HttpRequest, patient_id: str) -> list:
        patient = access_chart(request, patient_id)
        return list(selectors.list_entries(model, patient)[:500])

    @router.post(
        f"/patients/{{patient_id}}/{kind}",
        response={201: schema_out, **ERRORS},
        summary=f"Add to {kind}",
        operation_id=f"records_add_{singular}",
    )
    @api_shows(Category.VITALS if kind == "vitals" else Category.CLINICAL_LISTS)
    def add_entry(request: HttpRequest, patient_id: str, payload: schema_in) -> Status:  # type: ignore[valid-type]
        patient = access_chart(request, patient_id)
        require_writer(request)
        data = payload.model_dump(exclude={"version"})
        return Status(201, lists.add_entry(model, request.clinic, patient, data, by=request.user))

    # Each list names its own id in the address (allergy_id, ...), so the documented parameters say what
    # they identify.
    entry_path = Path(..., alias=f"{singular}_id")

    @router.get(
        f"/{kind}/{{{singular}_id}}",
        response={200: schema_out, **ERRORS},
        summary=f"One of {kind}",
        operation_id=f"records_get_{singular}",
    )
    @api_shows(Category.VITALS if kind == "vitals" else Category.CLINICAL_LISTS)
    def get_entry(request: HttpRequest, entry_id: str = entry_path):
        return access_list_entry(request, kind, entry_id)

    @router.put(
        f"/{kind}/{{{singular}_id}}",
        response={200: schema_out, **ERRORS},
        summary=f"Change one of {kind}",
        operation_id=f"records_change_{singular}",
    )
    @api_shows(Category.VITALS if kind == "vitals" else Category.CLINICAL_LISTS)
    def change_entry(request: HttpRequest, payload: schema_in, entry_id: str = entry_path):  # type: ignore[valid-type]
        entry = access_list_entry(request, kind, entry_id)
        require_writer(request)
        data = payload.model_dump(exclude={"version"})
        return lists.change_entry(entry, data, by=request.user, version=payload.version)


_list_routes("allergies", AllergyIn, AllergyOut, "allergy")
_list_routes("medications", MedicationIn, MedicationOut, "medication")
_list_routes("problems", ProblemIn, ProblemOut, "problem")
