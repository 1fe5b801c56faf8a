"""Codes scheduling's FHIR resources share: a service as a coding, appointment statuses."""

from __future__ import annotations

from core.fhir.identifiers import code_system

from ..models import Service, Status

# Our statuses in FHIR's AppointmentStatus: a request awaiting approval is "pending" (SMART scheduling).
APPOINTMENT_STATUS = {
    Status.REQUESTED: "pending",
    Status.BOOKED: "booked",
    Status.ARRIVED: "arrived",
    Status.IN_PROGRESS: "checked-in",
    Status.COMPLETED: "fulfilled",
    Status.CANCELLED_PATIENT: "cancelled",
    Status.CANCELLED_CLINIC: "cancelled",
    Status.NO_SHOW: "noshow",
}


def statuses_for(fhir_codes: set[str]) -> list[str]:
    return [ours for ours, theirs in APPOINTMENT_STATUS.items() if theirs in fhir_codes]


def service_concept(service: Service) -> dict:
    return {
        "coding": [{"system": code_system("service"), "code": str(service.pk), "display": service.name}],
        "text": service.name,
    }
