"""Appointment: read and search, booking (``POST``) through the portal's booking service, and cancelling
(``PUT`` with status ``cancelled``).

Members see the appointments of their clinics (as on the calendar), a patient app its patient's own,
a backend service the organization's. Where scheduling is off for a clinic, its appointments are not
served.
"""

from __future__ import annotations

from core.fhir.providers import ModelProvider, SearchParam, reference
from core.fhir.search import bad_param, date_q, one_of, reference_id

from ..models import Appointment
from .appointment_writes import book, change_status
from .coding import APPOINTMENT_STATUS, service_concept, statuses_for


class AppointmentProvider(ModelProvider):
    resource_type = "Appointment"
    interactions = ("read", "search-type", "create", "update")
    updated_field = "updated_at"
    version_field = "version"
    compartment_param = "patient"
    includes = {
        "Appointment:patient": "Patient",
        "Appointment:practitioner": "Practitioner",
        "Appointment:location": "Location",
    }
    search_params = (
        SearchParam("patient", "reference", "The patient (Patient/<id>)."),
        SearchParam("practitioner", "reference", "The practitioner (Practitioner/<id>)."),
        SearchParam("location", "reference", "The clinic (Location/<id>)."),
        SearchParam("date", "date", "The appointment's start (eq, lt, le, gt, ge)."),
        SearchParam("status", "token", "pending, booked, arrived, checked-in, fulfilled, cancelled, noshow."),
    )

    def queryset(self, ctx):
        appointments = Appointment.objects.filter(
            organization_id=ctx.organization.pk, clinic_id__in=ctx.clinic_ids_with(self.module)
        ).select_related("clinic", "service", "patient", "practitioner__user")
        if ctx.is_patient:
            appointments = appointments.filter(patient_id=ctx.patient.pk)
        return appointments

    def filter(self, queryset, name, modifier, value, ctx):
        if name in ("patient", "practitioner", "location"):
            target = {"patient": "Patient", "practitioner": "Practitioner", "location": "Location"}[name]
            field = {"patient": "patient_id", "practitioner": "practitioner_id", "location": "clinic_id"}[
                name
            ]
            ids = [reference_id(name, v, target) for v in one_of(value)]
            return queryset.filter(**{f"{field}__in": ids})
        if name == "date":
            return queryset.filter(date_q(name, value, "start"))
        if name == "status":
            codes = set(one_of(value))
            if not codes <= set(APPOINTMENT_STATUS.values()) | {"proposed", "waitlist", "entered-in-error"}:
                raise bad_param(name, value)
            return queryset.filter(status__in=statuses_for(codes))
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, appointment: Appointment, ctx) -> dict:
        tz = appointment.clinic.tzinfo
        resource = {
            "status": APPOINTMENT_STATUS[appointment.status],
            "serviceType": [service_concept(appointment.service)],
            "description": appointment.service.name,
            "start": appointment.start.astimezone(tz).isoformat(),
            "end": appointment.end.astimezone(tz).isoformat(),
            "minutesDuration": int((appointment.end - appointment.start).total_seconds() // 60),
            "created": appointment.created_at.astimezone(tz).isoformat(),
            "participant": [
                {
                    "actor": reference("Patient", appointment.patient_id, appointment.patient.full_name),
                    "required": "required",
                    "status": "accepted",
                },
                {
                    "actor": reference(
                        "Practitioner", appointment.practitioner_id, appointment.practitioner.name
                    ),
                    "required": "required",
                    "status": "accepted",
                },
                {
                    "actor": reference("Location", appointment.clinic_id, appointment.clinic.name),
                    "required": "required",
                    "status": "accepted",
                },
                {
                    "actor": reference("HealthcareService", appointment.service_id, appointment.service.name),
                    "required": "information-only",
                    "status": "accepted",
                },
            ],
        }
        if appointment.cancellation_reason:
            resource["cancelationReason"] = {"text": appointment.cancellation_reason}
        return resource

    def create(self, ctx, body):
        return self.render(book(self, ctx, body), ctx)

    def update(self, ctx, resource_id, body):
        return self.render(change_status(self, ctx, resource_id, body), ctx)
