"""iCalendar (RFC 5545) text for appointments.

Times are written in UTC ("Z" form), which every calendar application converts to its own zone without a
VTIMEZONE block, so daylight-saving changes at the clinic can never be misread. Each appointment keeps one
UID for its whole life; SEQUENCE follows the appointment's version so a move replaces the old entry, and a
cancelled appointment stays in the feed as STATUS:CANCELLED so calendar apps remove it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .models import Status

PRODID = "-//Clinic EHR//Scheduling//EN"
UTC_FORMAT = "%Y%m%dT%H%M%SZ"

EVENT_STATUS = {
    Status.REQUESTED: "TENTATIVE",
    Status.CANCELLED_PATIENT: "CANCELLED",
    Status.CANCELLED_CLINIC: "CANCELLED",
}


def utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime(UTC_FORMAT)


def text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current, limit = [], b"", 75
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > limit:
            parts.append(current.decode())
            current, limit = b"", 74  # continuation lines start with a space
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def uid(appointment) -> str:
    return f"appointment-{appointment.organization_id}-{appointment.pk}@clinic-ehr"


def initials(patient) -> str:
    """Calendar apps sync to services outside the clinic, so an entry names the patient by initials only."""
    return " ".join(f"{part[0]}." for part in (patient.given_name, patient.family_name) if part)


def event(appointment, *, stamp: datetime) -> list[str]:
    clinic = appointment.clinic
    summary = f"{appointment.service.name} – {initials(appointment.patient)}"
    location = ", ".join(p for p in [clinic.name, clinic.address_line1, clinic.city] if p)
    return [
        "BEGIN:VEVENT",
        f"UID:{uid(appointment)}",
        f"DTSTAMP:{utc(stamp)}",
        f"DTSTART:{utc(appointment.start)}",
        f"DTEND:{utc(appointment.end)}",
        f"SEQUENCE:{max(appointment.version - 1, 0)}",
        f"LAST-MODIFIED:{utc(appointment.updated_at)}",
        f"CREATED:{utc(appointment.created_at)}",
        f"STATUS:{EVENT_STATUS.get(appointment.status, 'CONFIRMED')}",
        f"SUMMARY:{text(summary)}",
        f"LOCATION:{text(location)}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]


def calendar(name: str, appointments, *, stamp: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT15M",
    ]
    for appointment in appointments:
        lines.extend(event(appointment, stamp=stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
