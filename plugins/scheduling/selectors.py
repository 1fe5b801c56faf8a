"""Reads for scheduling. Availability inputs are loaded with one statement of indexed range reads,
whatever the number of appointments outside the range asked about."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from core.compiled import CompiledQuery
from core.tenancy.models import Clinic, Membership, MembershipClinic, Role

from . import availability as av
from .models import (
    ACTIVE_STATUSES,
    MAX_BUFFER_MINUTES,
    MAX_OCCUPIED,
    Appointment,
    BookingPolicy,
    ClinicClosure,
    PractitionerSettings,
    Service,
    ServicePractitioner,
    Status,
    TimeOff,
    WorkingHours,
)

SEARCH_MAX_DAYS = 62
# What a row of ``practitioner_inputs``' statement is: a working-hours rule, time off, an appointment's
# occupied span, a clinic closure, or a practitioner who may overlap.
HOURS, AWAY, BUSY, CLOSED, OVERLAP = "hours", "away", "busy", "closed", "overlap"


def booking_policy(clinic: Clinic) -> BookingPolicy:
    """The clinic's policy, or the defaults (unsaved) when none was set."""
    policy = BookingPolicy.objects.filter(organization_id=clinic.organization_id, clinic=clinic).first()
    return policy or BookingPolicy(organization_id=clinic.organization_id, clinic=clinic)


def active_services(clinic: Clinic) -> QuerySet[Service]:
    return Service.objects.filter(organization_id=clinic.organization_id, clinic=clinic, active=True)


def clinic_practitioners(clinic: Clinic) -> list[Membership]:
    """Active members who see patients at ``clinic``: its practitioners, and anyone offering one of its
    services (an owner who also treats, say). One query, compiled once (every calendar, day sheet and
    booking form reads it)."""
    return _CLINIC_PRACTITIONERS(organization_id=clinic.organization_id, clinic_id=clinic.pk)


def _clinic_practitioners(organization_id: int, clinic_id: int) -> QuerySet[Membership]:
    offers = ServicePractitioner.objects.filter(
        organization_id=organization_id, service__clinic_id=clinic_id, membership_id=OuterRef("pk")
    )
    works_here = MembershipClinic.objects.filter(
        organization_id=organization_id, clinic_id=clinic_id, membership_id=OuterRef("pk")
    )
    return (
        Membership.objects.filter(organization_id=organization_id, is_active=True)
        .filter(Exists(works_here))
        .filter(Q(role=Role.PRACTITIONER) | Exists(offers))
        .select_related("user")
        .order_by("display_name", "user__full_name", "id")
    )


_CLINIC_PRACTITIONERS = CompiledQuery(_clinic_practitioners)


def local_day_bounds(tz, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """UTC instants of the start of ``date_from`` and the end of ``date_to`` in ``tz``."""
    start = av.boundary_instant(date_from, time(0), tz)
    end = av.boundary_instant(date_to + timedelta(days=1), time(0), tz)
    return start, end


@dataclass
class PractitionerInputs:
    membership_id: int
    allow_overlap: bool = False
    rules: list[av.HoursRule] = field(default_factory=list)
    time_off: list[av.Interval] = field(default_factory=list)
    busy: list[av.Interval] = field(default_factory=list)


@dataclass
class AvailabilityInputs:
    clinic: Clinic
    service: Service
    policy: BookingPolicy
    date_from: date
    date_to: date
    closures: list[av.Closure]
    practitioners: dict[int, PractitionerInputs]

    @property
    def request(self) -> av.Request:
        return av.Request(self.service.duration, self.service.buffer_before, self.service.buffer_after)

    def booking_window(self, now: datetime) -> tuple[datetime, datetime]:
        return (
            now + timedelta(minutes=self.policy.min_notice_minutes),
            now + timedelta(days=self.policy.max_days_ahead),
        )


def offering_practitioner_ids(clinic: Clinic, service: Service) -> list[int]:
    """Active members of the clinic who offer ``service``. One query."""
    works_here = MembershipClinic.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, membership_id=OuterRef("membership_id")
    )
    return list(
        ServicePractitioner.objects.filter(
            organization_id=clinic.organization_id, service=service, membership__is_active=True
        )
        .filter(Exists(works_here))
        .order_by("membership_id")
        .values_list("membership_id", flat=True)
    )


def load_inputs(
    clinic: Clinic,
    service: Service,
    practitioner_ids: list[int],
    date_from: date,
    date_to: date,
    *,
    exclude_appointment_id: int | None = None,
    policy: BookingPolicy | None = None,
    allow_overlap: dict[int, bool] | None = None,
) -> AvailabilityInputs:
    """Everything the engine needs for these practitioners between two local dates: the policy, then one
    query for the rest (overlap settings, working hours, time off, appointments, closures), each read
    bounded by the date range and served by an index. The policy is not read when the caller already has
    it, nor the overlap settings when given ``allow_overlap`` (practitioner id → their setting)."""
    policy = policy or booking_policy(clinic)
    practitioners, closures = practitioner_inputs(
        clinic,
        practitioner_ids,
        date_from,
        date_to,
        exclude_appointment_id=exclude_appointment_id,
        allow_overlap=allow_overlap,
    )
    return AvailabilityInputs(clinic, service, policy, date_from, date_to, closures, practitioners)


def practitioner_inputs(
    clinic: Clinic,
    practitioner_ids: list[int],
    date_from: date,
    date_to: date,
    *,
    exclude_appointment_id: int | None = None,
    allow_overlap: dict[int, bool] | None = None,
) -> tuple[dict[int, PractitionerInputs], list[av.Closure]]:
    """Working hours, time off and busy time of each practitioner between two local dates, and the
    clinic's closures: what the engine and the calendar grid both read, so they agree on every slot.
    One query; it also reads who may overlap unless ``allow_overlap`` is given."""
    range_start, range_end = local_day_bounds(clinic.tzinfo, date_from, date_to)
    margin = timedelta(minutes=MAX_BUFFER_MINUTES)
    params = {
        "org": clinic.organization_id,
        "clinic": clinic.pk,
        "members": practitioner_ids,
        "date_from": date_from,
        "date_to": date_to,
        # Time off and appointments are read with the longest buffer's margin around the range, and
        # appointments only back as far as the longest one can start before it (the index's range).
        "look_from": range_start - margin,
        "look_until": range_end + margin,
        "occupied_since": range_start - margin - MAX_OCCUPIED,
        "active": [status.value for status in ACTIVE_STATUSES],
        "excluded": exclude_appointment_id,
    }
    read_overlap = allow_overlap is None and bool(practitioner_ids)
    with connection.cursor() as cursor:
        cursor.execute(_inputs_sql(read_overlap, bool(exclude_appointment_id)), params)
        rows = cursor.fetchall()
    if allow_overlap is None:
        allow_overlap = {row[1]: True for row in rows if row[0] == OVERLAP}
    practitioners = {pk: PractitionerInputs(pk, bool(allow_overlap.get(pk))) for pk in practitioner_ids}
    closures: list[av.Closure] = []
    for kind, member, weekday, opens, closes, first_day, last_day, starts, ends in rows:
        if kind == HOURS:
            practitioners[member].rules.append(av.HoursRule(weekday, opens, closes, first_day, last_day))
        elif kind == AWAY:
            practitioners[member].time_off.append(av.Interval(starts, ends))
        elif kind == BUSY and not practitioners[member].allow_overlap:
            # Whoever may overlap is never blocked by their own appointments.
            practitioners[member].busy.append(av.Interval(starts, ends))
        elif kind == CLOSED:
            closures.append(av.Closure(first_day, last_day))
    return practitioners, closures


@functools.cache
def _inputs_sql(read_overlap: bool, exclude_appointment: bool) -> str:
    """The statement behind ``practitioner_inputs``: one row per rule, time off, appointment, closure (and
    practitioner who may overlap), its ``kind`` saying which, the columns other kinds use left NULL.

    Written out rather than built with the ORM: compiling four querysets cost more than the database needs
    to answer them, on every booking, availability request and calendar page. Raw SQL is not scoped, so
    every table is filtered by the organization. The first branch gives the columns their names and types
    (PostgreSQL types a UNION pairwise, so its NULLs are cast); the rest follow them."""
    tables = {
        "hours": WorkingHours._meta.db_table,
        "time_off": TimeOff._meta.db_table,
        "appointments": Appointment._meta.db_table,
        "closures": ClinicClosure._meta.db_table,
        "settings": PractitionerSettings._meta.db_table,
    }
    excluded = "AND id <> %(excluded)s" if exclude_appointment else ""
    overlap = ""
    if read_overlap:
        overlap = f"""
            UNION ALL
            SELECT '{OVERLAP}', membership_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, id
            FROM {tables["settings"]}
            WHERE organization_id = %(org)s AND membership_id = ANY(%(members)s::bigint[])
                AND allow_overlap"""  # noqa: S608 - as below
    # A practitioner is busy wherever they are booked, at any clinic of the organization; their time off
    # is theirs, not a clinic's. Working hours and closures are this clinic's.
    return f"""
        SELECT kind, member, weekday, opens, closes, first_day, last_day, starts, ends
        FROM (
            SELECT '{HOURS}' AS kind, membership_id AS member, weekday, start_time AS opens,
                   end_time AS closes, valid_from AS first_day, valid_until AS last_day,
                   NULL::timestamptz AS starts, NULL::timestamptz AS ends, id
            FROM {tables["hours"]}
            WHERE organization_id = %(org)s AND clinic_id = %(clinic)s
                AND membership_id = ANY(%(members)s::bigint[])
                AND valid_from <= %(date_to)s AND (valid_until IS NULL OR valid_until >= %(date_from)s)
            UNION ALL
            SELECT '{AWAY}', membership_id, NULL, NULL, NULL, NULL, NULL, "start", "end", id
            FROM {tables["time_off"]}
            WHERE organization_id = %(org)s AND membership_id = ANY(%(members)s::bigint[])
                AND "end" > %(look_from)s AND "start" < %(look_until)s
            UNION ALL
            SELECT '{BUSY}', practitioner_id, NULL, NULL, NULL, NULL, NULL, occupied_start, occupied_end, id
            FROM {tables["appointments"]}
            WHERE organization_id = %(org)s AND practitioner_id = ANY(%(members)s::bigint[])
                AND status = ANY(%(active)s::text[])
                AND occupied_start < %(look_until)s AND occupied_start >= %(occupied_since)s
                AND occupied_end > %(look_from)s
                {excluded}
            UNION ALL
            SELECT '{CLOSED}', NULL, NULL, NULL, NULL, start_date, end_date, NULL, NULL, id
            FROM {tables["closures"]}
            WHERE organization_id = %(org)s AND clinic_id = %(clinic)s
                AND end_date >= %(date_from)s AND start_date <= %(date_to)s
            {overlap}
        ) AS inputs
        ORDER BY kind, weekday, opens, starts, first_day, id
    """  # noqa: S608 - table and column names come from the models; values are parameters


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    practitioner_ids: tuple[int, ...]


def slots_from_inputs(
    inputs: AvailabilityInputs, *, now: datetime | None, limit: int | None = None
) -> list[Slot]:
    """Run the engine for each practitioner and join the results by start time."""
    not_before = not_after = None
    if now is not None:
        not_before, not_after = inputs.booking_window(now)
    by_start: dict[datetime, list[int]] = defaultdict(list)
    for pk, data in inputs.practitioners.items():
        starts = av.compute_slots(
            rules=data.rules,
            tz=inputs.clinic.tzinfo,
            date_from=inputs.date_from,
            date_to=inputs.date_to,
            request=inputs.request,
            granularity=timedelta(minutes=inputs.policy.slot_granularity_minutes),
            busy=data.busy,
            time_off=data.time_off,
            closures=inputs.closures,
            not_before=not_before,
            not_after=not_after,
            limit=limit,
        )
        for start in starts:
            by_start[start.astimezone(UTC)].append(pk)
    tz = inputs.clinic.tzinfo
    slots = [
        Slot(start.astimezone(tz), (start + inputs.service.duration).astimezone(tz), tuple(sorted(pks)))
        for start, pks in sorted(by_start.items())
    ]
    return slots[:limit] if limit is not None else slots


def search_availability(
    clinic: Clinic,
    service: Service,
    practitioner_id: int | None,
    date_from: date,
    date_to: date,
    *,
    now: datetime | None,
    limit: int | None = None,
) -> list[Slot]:
    """Free slots for ``service`` at ``clinic`` with one practitioner, or any who offers it (None).

    ``now`` applies the booking policy's notice and horizon; pass None for the back office's unrestricted
    view. Three queries whatever the range or the number of appointments elsewhere.
    """
    date_to = min(date_to, date_from + timedelta(days=SEARCH_MAX_DAYS))
    offering = offering_practitioner_ids(clinic, service)
    if practitioner_id is not None:
        offering = [pk for pk in offering if pk == practitioner_id]
    inputs = load_inputs(clinic, service, offering, date_from, date_to)
    return slots_from_inputs(inputs, now=now, limit=limit)


def appointments_between(clinic: Clinic, start: datetime, end: datetime) -> QuerySet[Appointment]:
    """Appointments of ``clinic`` starting in ``[start, end)`` with what a calendar shows. One query."""
    return (
        Appointment.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
        .filter(start__gte=start, start__lt=end)
        .select_related("patient", "service", "room", "practitioner__user")
        .order_by("start", "id")
    )


def pending_requests(clinic: Clinic) -> QuerySet[Appointment]:
    """Online requests awaiting approval (a partial index keeps this cheap)."""
    return (
        Appointment.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
        .filter(status=Status.REQUESTED)
        .select_related("patient", "service", "room", "practitioner__user")
        .order_by("start", "id")
    )


def has_working_hours(clinic, membership, today) -> bool:
    """Whether ``membership`` has weekly working hours at ``clinic`` that apply today or later."""
    return (
        WorkingHours.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
        .filter(membership=membership)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exists()
    )
