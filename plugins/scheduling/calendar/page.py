"""What the back-office calendar page shows: the filters it was asked for, the practitioners and days in
its columns, the working hours, time off, closures and busy time (``selectors.practitioner_inputs``, as the
availability engine reads them) that shade its cells, and the appointments drawn on
it. A fixed number of queries whatever the number of appointments; the grid itself is built by
``calendar_grid`` and turned into markup by ``calendar_render``.

Layouts: the day view has a column per practitioner; the week view of one practitioner (picked in the
practitioner filter, or the only one at the clinic) has a column per day; the clinic's week view shows
each day as a group of narrow practitioner columns, so the whole clinic's week reads side by side and a
free slot with anyone is one glance away (docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.http import QueryDict

from core.audit.recording import record_ids
from core.audit.vocabulary import Action, Category
from core.tenancy.models import Clinic, Membership

from .. import selectors
from ..models import (
    Appointment,
    Room,
    Service,
    ServicePractitioner,
    Status,
)
from .grid import Entry, Grid, build_grid

CANCELLED = (Status.CANCELLED_CLINIC, Status.CANCELLED_PATIENT)
FILTERS = ("practitioner", "room", "service")


def pick_id(value, allowed) -> int | None:
    """``value`` as one of the ``allowed`` ids, or None for anything else (a filter that does not apply
    is ignored, never an error)."""
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 18:
        return None
    number = int(text)
    return number if number in allowed else None


def calendar_query(params) -> dict[str, str]:
    """The calendar's own parameters to carry to a page and back (view and filters), checked: the view
    is "week" or left out, filters are ids (the calendar ignores ids that are not its clinic's)."""
    params = params if isinstance(params, QueryDict | dict) else {}
    kept: dict[str, str] = {}
    if params.get("view") == "week":
        kept["view"] = "week"
    for name in FILTERS:
        text = str(params.get(name) or "")
        if text.isdigit() and len(text) <= 18:
            kept[name] = text
    return kept


@dataclass(slots=True)
class Shown:
    """An appointment as the calendar draws it: plain values read in one query, no model instances (a
    busy week is well over a thousand of them, and building models with their relations cost more than
    the rest of the page)."""

    pk: int
    practitioner_id: int
    patient_id: int
    patient_name: str
    service_id: int
    service_name: str
    colour: str
    room_id: int | None
    room_name: str
    start: datetime
    end: datetime
    status: str
    version: int
    occupied_start: datetime
    occupied_end: datetime

    def get_status_display(self) -> str:
        return Status(self.status).label


@dataclass(slots=True)
class FormerPractitioner:
    """Someone with appointments here who is no longer among the clinic's practitioners."""

    pk: int
    name: str


SHOWN_FIELDS = (
    "pk",
    "practitioner_id",
    "patient_id",
    "patient__given_name",
    "patient__family_name",
    "service_id",
    "service__name",
    "service__colour",
    "room_id",
    "room__name",
    "start",
    "end",
    "status",
    "version",
    "practitioner__display_name",
    "practitioner__user__full_name",
    "practitioner__user__email",
    "occupied_start",
    "occupied_end",
)


def shown_appointments(clinic: Clinic, start: datetime, end: datetime) -> tuple[list[Shown], dict[int, str]]:
    """Appointments of ``clinic`` starting in ``[start, end)``, and the name of each one's practitioner.
    One query."""
    rows = (
        Appointment.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
        .filter(start__gte=start, start__lt=end)
        .order_by("start", "id")
        .values_list(*SHOWN_FIELDS)
    )
    shown, names = [], {}
    for row in rows:
        pk, who, patient, given, family, service, name, colour, room, room_name, *rest = row
        begins, ends, status, version, display, full, email, kept_from, kept_until = rest
        shown.append(
            Shown(
                pk,
                who,
                patient,
                f"{given} {family}".strip(),
                service,
                name,
                colour,
                room,
                room_name or "",
                begins,
                ends,
                status,
                version,
                kept_from,
                kept_until,
            )
        )
        if who not in names:
            names[who] = display or full or email
    return shown, names


@dataclass
class CalendarData:
    view: str
    days: list[date]
    practitioners: list[Membership]  # the columns' practitioners
    practitioners_all: list[Membership]  # everyone the practitioner filter offers
    services: list[Service]
    rooms: list[Room]
    filters: dict[str, int | None]
    grid: Grid
    cancelled: list[Shown]
    per_day: bool  # the week of one practitioner: a column per day

    @property
    def query(self) -> dict[str, str]:
        kept = {name: str(value) for name, value in self.filters.items() if value}
        if self.view == "week":
            kept = {"view": "week", **kept}
        return kept

    @property
    def querystring(self) -> str:
        return urlencode(self.query)


def load(clinic: Clinic, params, day: date) -> CalendarData:
    """Everything the calendar page shows for ``day`` (its week in the week view) and these parameters."""
    org = clinic.organization_id
    view = "week" if params.get("view") == "week" else "day"
    everyone = selectors.clinic_practitioners(clinic)
    services = list(selectors.active_services(clinic).only("id", "name", "colour"))
    rooms = list(Room.objects.filter(organization_id=org, clinic=clinic, active=True).only("id", "name"))
    filters = {
        "practitioner": pick_id(params.get("practitioner"), {m.pk for m in everyone}),
        "room": pick_id(params.get("room"), {r.pk for r in rooms}),
        "service": pick_id(params.get("service"), {s.pk for s in services}),
    }
    shown = everyone
    if filters["practitioner"]:
        shown = [m for m in everyone if m.pk == filters["practitioner"]]
    elif filters["service"]:
        offering = set(
            ServicePractitioner.objects.filter(
                organization_id=org, service_id=filters["service"]
            ).values_list("membership_id", flat=True)
        )
        shown = [m for m in everyone if m.pk in offering]

    first = day - timedelta(days=day.weekday()) if view == "week" else day
    days = [first + timedelta(days=n) for n in range(7 if view == "week" else 1)]
    start, end = selectors.local_day_bounds(clinic.tzinfo, days[0], days[-1])
    policy = selectors.booking_policy(clinic)
    appointments, names = shown_appointments(clinic, start, end)
    # The access log: the calendar lists these patients' appointments.
    record_ids(
        clinic.organization_id, {a.patient_id for a in appointments}, Category.APPOINTMENTS, Action.LIST
    )
    cancelled = [a for a in appointments if a.status in CANCELLED]
    drawn = [a for a in appointments if a.status not in CANCELLED]
    if not filters["practitioner"] and not filters["service"]:
        # Someone who no longer works here keeps a column for the appointments they still have.
        listed = {m.pk for m in shown}
        for appointment in drawn:
            if appointment.practitioner_id not in listed:
                listed.add(appointment.practitioner_id)
                former = FormerPractitioner(appointment.practitioner_id, names[appointment.practitioner_id])
                shown = [*shown, former]
    ids = [m.pk for m in shown]
    # The same inputs the availability engine reads, so a free cell is a time the booking will take.
    inputs, closures = selectors.practitioner_inputs(clinic, ids, days[0], days[-1])
    grid = build_grid(
        days=days,
        practitioners=[(m.pk, m) for m in shown],
        tz=clinic.tzinfo,
        step=policy.slot_granularity_minutes,
        rules={pk: data.rules for pk, data in inputs.items()},
        time_off={pk: data.time_off for pk, data in inputs.items()},
        busy={pk: data.busy for pk, data in inputs.items()},
        closures=closures,
        entries=[
            Entry(a.practitioner_id, a.start, a.end, a, a.occupied_start, a.occupied_end) for a in drawn
        ],
    )
    # The week of one practitioner has a column per day (columns come day by day, practitioners within).
    per_day = view == "week" and len(shown) == 1
    return CalendarData(view, days, shown, everyone, services, rooms, filters, grid, cancelled, per_day)
