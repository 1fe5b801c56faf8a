"""iCalendar (RFC 5545) files for appointments: practitioners' feeds and the patient's calendar.ics.

Written with the ``icalendar`` library, which escapes text (a line break in a service name stays inside
its property instead of starting a new one) and folds long lines at 75 octets.

Times are written in UTC ("Z" form), which every calendar application converts to its own zone without a
VTIMEZONE block, so daylight-saving changes at the clinic can never be misread. Each appointment keeps one
UID for its whole life; SEQUENCE follows the appointment's version so a move replaces the old entry, and a
cancelled appointment stays in the feed as STATUS:CANCELLED so calendar apps remove it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from .models import Status

PRODID = "-//Clinic EHR//Scheduling//EN"
PORTAL_PRODID = "-//Clinic EHR//Portal//EN"
REFRESH_EVERY = timedelta(minutes=15)

EVENT_STATUS = {
    Status.REQUESTED: "TENTATIVE",
    Status.CANCELLED_PATIENT: "CANCELLED",
    Status.CANCELLED_CLINIC: "CANCELLED",
}


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def uid(appointment) -> str:
    return f"appointment-{appointment.organization_id}-{appointment.pk}@clinic-ehr"


def initials(patient) -> str:
    """Calendar apps sync to services outside the clinic, so an entry names the patient by initials only."""
    return " ".join(f"{part[0]}." for part in (patient.given_name, patient.family_name) if part)


def _calendar(prodid: str) -> Calendar:
    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", prodid)
    return cal


def _times(entry: Event, appointment, *, stamp: datetime) -> None:
    entry.add("uid", uid(appointment))
    entry.add("dtstamp", utc(stamp))
    entry.add("dtstart", utc(appointment.start))
    entry.add("dtend", utc(appointment.end))


def event(appointment, *, stamp: datetime) -> Event:
    """The practitioner's entry: full lifecycle (sequence, status) and the patient by initials."""
    clinic = appointment.clinic
    entry = Event()
    _times(entry, appointment, stamp=stamp)
    entry.add("sequence", max(appointment.version - 1, 0))
    entry.add("last-modified", utc(appointment.updated_at))
    entry.add("created", utc(appointment.created_at))
    entry.add("status", EVENT_STATUS.get(appointment.status, "CONFIRMED"))
    entry.add("summary", f"{appointment.service.name} – {initials(appointment.patient)}")
    entry.add("location", ", ".join(p for p in [clinic.name, clinic.address_line1, clinic.city] if p))
    entry.add("transp", "OPAQUE")
    return entry


def calendar(name: str, appointments, *, stamp: datetime) -> str:
    """A practitioner's feed: every appointment given, under the calendar name ``name``."""
    cal = _calendar(PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", REFRESH_EVERY, parameters={"VALUE": "DURATION"})
    for appointment in appointments:
        cal.add_component(event(appointment, stamp=stamp))
    return cal.to_ical().decode()


def appointment_file(appointment, clinic, *, stamp: datetime) -> str:
    """The patient's own appointment at ``clinic`` as a file to add to their calendar."""
    entry = Event()
    _times(entry, appointment, stamp=stamp)
    entry.add("summary", f"{appointment.service.name} – {clinic.name}")
    entry.add("location", ", ".join(p for p in [clinic.address_line1, clinic.city] if p))
    cal = _calendar(PORTAL_PRODID)
    cal.add_component(entry)
    return cal.to_ical().decode()
