"""What the scheduling API reads and answers: request bodies, query parameters, and services, working
hours, time off, free slots, appointments and waitlist entries as the API shows them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from core.api.schemas import StrictSchema
from core.api.types import BoundedDate, BoundedDateTime, LocalTime

# --- services --------------------------------------------------------------------------------------------


class ServiceIn(StrictSchema):
    name: str = Field(min_length=1, max_length=200)
    duration_minutes: int = Field(ge=5, le=720)
    price: Decimal = Field(default=Decimal("0"), ge=0, max_digits=10, decimal_places=2)
    buffer_before_minutes: int = Field(default=0, ge=0, le=240)
    buffer_after_minutes: int = Field(default=0, ge=0, le=240)
    bookable_online: bool = True
    colour: str = Field(default="#2563eb", pattern=r"^#[0-9a-fA-F]{6}$")
    practitioner_ids: list[int] = []


class ServiceOut(Schema):
    id: int
    name: str
    duration_minutes: int
    price: Decimal
    currency: str
    buffer_before_minutes: int
    buffer_after_minutes: int
    bookable_online: bool
    colour: str
    active: bool
    practitioner_ids: list[int]


# --- working hours and time off --------------------------------------------------------------------------


class WorkingHoursIn(StrictSchema):
    practitioner_id: int
    weekday: int = Field(ge=0, le=6)
    start_time: LocalTime
    end_time: LocalTime
    valid_from: BoundedDate | None = None
    valid_until: BoundedDate | None = None


class WorkingHoursOut(Schema):
    id: int
    practitioner_id: int
    weekday: int
    start_time: LocalTime
    end_time: LocalTime
    valid_from: date
    valid_until: date | None


class TimeOffIn(StrictSchema):
    practitioner_id: int
    start: BoundedDateTime
    end: BoundedDateTime
    reason: str = Field(default="", max_length=200)


class TimeOffOut(Schema):
    id: int
    practitioner_id: int
    start: datetime
    end: datetime
    reason: str


# --- availability ----------------------------------------------------------------------------------------


class SlotOut(Schema):
    start: datetime
    end: datetime
    practitioner_ids: list[int]


class AvailabilityOut(Schema):
    service_id: int
    timezone: str
    slots: list[SlotOut]


# --- appointments ----------------------------------------------------------------------------------------


class AppointmentIn(StrictSchema):
    patient_id: int
    service_id: int
    practitioner_id: int
    start: BoundedDateTime
    room_id: int | None = None
    notes: str = Field(default="", max_length=5000)
    override: bool = False


class AppointmentOut(Schema):
    id: int
    clinic_id: int
    practitioner_id: int
    patient_id: int
    service_id: int
    room_id: int | None
    start: datetime
    end: datetime
    status: str
    channel: str
    version: int
    series_id: int | None
    cancellation_reason: str


class RescheduleIn(StrictSchema):
    start: BoundedDateTime
    version: int
    practitioner_id: int | None = None
    override: bool = False


class CancelIn(StrictSchema):
    by: Literal["patient", "clinic"] = "clinic"
    reason: str = Field(default="", max_length=300)
    version: int | None = None


class StatusIn(StrictSchema):
    status: str
    version: int | None = None


# --- waitlist --------------------------------------------------------------------------------------------


class WaitlistIn(StrictSchema):
    patient_id: int
    service_id: int
    practitioner_id: int | None = None
    earliest: BoundedDate
    latest: BoundedDate
    notes: str = Field(default="", max_length=300)


class WaitlistOut(Schema):
    id: int
    patient_id: int
    service_id: int
    practitioner_id: int | None
    earliest: date
    latest: date
    status: str
    channel: str
    notes: str


class WaitlistStatusIn(StrictSchema):
    status: Literal["waiting", "offered", "booked", "removed"]


# --- query parameters ------------------------------------------------------------------------------------


class DateRange(Schema):
    from_: BoundedDate = Field(alias="from")
    to: BoundedDate


class AvailabilityQuery(DateRange):
    service: int
    practitioner: str = "any"


class AppointmentQuery(DateRange):
    practitioner: int | None = None
