"""Reads for scheduling. Availability inputs are loaded with a fixed number of indexed range queries,
whatever the number of appointments outside the range asked about."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Value

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
# What a row of the practitioners' blocked time is: time off, or an appointment's occupied span.
AWAY, BUSY = "away", "busy"


def booking_policy(clinic: Clinic) -> BookingPolicy:
    """The clinic's policy, or the defaults (unsaved) when none was set."""
    policy = BookingPolicy.objects.filter(organization_id=clinic.organization_id, clinic=clinic).first()
    return policy or BookingPolicy(organization_id=clinic.organization_id, clinic=clinic)


def active_services(clinic: Clinic) -> QuerySet[Service]:
    return Service.objects.filter(organization_id=clinic.organization_id, clinic=clinic, active=True)


def clinic_practitioners(clinic: Clinic) -> list[Membership]:
    """Active members who see patients at ``clinic``: its practitioners, and anyone offering one of its
    services (an owner who also treats, say). One query."""
    offers = ServicePractitioner.objects.filter(
        organization_id=clinic.organization_id, service__clinic=clinic, membership_id=OuterRef("pk")
    )
    works_here = MembershipClinic.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, membership_id=OuterRef("pk")
    )
    return list(
        Membership.objects.filter(organization_id=clinic.organization_id, is_active=True)
        .filter(Exists(works_here))
        .filter(Q(role=Role.PRACTITIONER) | Exists(offers))
        .select_related("user")
        .order_by("display_name", "user__full_name", "id")
    )


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
    """Everything the engine needs for these practitioners between two local dates: one query for each
    kind of input (policy, overlap settings, working hours, time off, appointments, closures), bounded
    by the date range and served by an index; none for ``policy`` or ``allow_overlap`` (practitioner
    id → their setting) when the caller already has them."""
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
    clinic's closures: what the engine and the calendar grid both read, so they agree on every slot."""
    org = clinic.organization_id
    range_start, range_end = local_day_bounds(clinic.tzinfo, date_from, date_to)
    margin = timedelta(minutes=MAX_BUFFER_MINUTES)
    practitioners = {pk: PractitionerInputs(pk) for pk in practitioner_ids}
    if practitioner_ids:
        if allow_overlap is None:
            allow_overlap = dict.fromkeys(
                PractitionerSettings.objects.filter(
                    organization_id=org, membership_id__in=practitioner_ids, allow_overlap=True
                ).values_list("membership_id", flat=True),
                True,
            )
        for pk in practitioner_ids:
            practitioners[pk].allow_overlap = bool(allow_overlap.get(pk))
        hours = WorkingHours.objects.filter(
            organization_id=org, clinic=clinic, membership_id__in=practitioner_ids, valid_from__lte=date_to
        ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=date_from))
        for row in hours.values_list(
            "membership_id", "weekday", "start_time", "end_time", "valid_from", "valid_until"
        ):
            practitioners[row[0]].rules.append(av.HoursRule(*row[1:]))
        # Time off and busy time come back together, in one query; each row says which it is.
        time_off = TimeOff.objects.filter(
            organization_id=org,
            membership_id__in=practitioner_ids,
            end__gt=range_start - margin,
            start__lt=range_end + margin,
        ).annotate(kind=Value(AWAY))
        # A practitioner is busy wherever they are booked, at any clinic of the organization.
        busy = Appointment.objects.filter(
            organization_id=org,
            practitioner_id__in=practitioner_ids,
            status__in=ACTIVE_STATUSES,
            occupied_start__lt=range_end + margin,
            occupied_start__gte=range_start - margin - MAX_OCCUPIED,
            occupied_end__gt=range_start - margin,
        ).annotate(kind=Value(BUSY))
        if exclude_appointment_id:
            busy = busy.exclude(pk=exclude_appointment_id)
        rows = time_off.values_list("membership_id", "start", "end", "kind").union(
            busy.values_list("practitioner_id", "occupied_start", "occupied_end", "kind"), all=True
        )
        for pk, start, end, kind in rows:
            if kind == AWAY:
                practitioners[pk].time_off.append(av.Interval(start, end))
            elif not practitioners[pk].allow_overlap:
                practitioners[pk].busy.append(av.Interval(start, end))
    closures = [
        av.Closure(start, end)
        for start, end in ClinicClosure.objects.filter(
            organization_id=org, clinic=clinic, end_date__gte=date_from, start_date__lte=date_to
        ).values_list("start_date", "end_date")
    ]
    return practitioners, closures


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
    view. Six queries whatever the range or the number of appointments elsewhere.
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
