"""Scheduling's FHIR resources: HealthcareService (services), Schedule (a practitioner's diary), Slot
(free times from the availability engine) and Appointment (read, search, book, cancel)."""


def providers() -> list:
    from .appointments import AppointmentProvider
    from .schedules import ScheduleProvider, SlotProvider
    from .services import HealthcareServiceProvider

    return [HealthcareServiceProvider(), ScheduleProvider(), SlotProvider(), AppointmentProvider()]
