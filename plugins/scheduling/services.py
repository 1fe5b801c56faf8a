"""State changes for scheduling. Views and the API parse and authorize; these functions validate, write
inside one transaction, and raise ``ValidationError`` (nothing written), ``SlotTaken`` (the time is no
longer free; carries the next free slots) or ``StaleAppointment`` (changed by someone else meanwhile).

The database's exclusion constraints are the final word on double booking: the checks made here first
only give a better answer sooner.
"""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.patients.models import Patient, PatientClinic
from core.plugins import events
from core.plugins.events import emit
from core.tenancy.models import Clinic, Membership, MembershipClinic

from . import availability as av
from . import waitlist
from .models import (
    SLOT_CONSTRAINTS,
    Appointment,
    AppointmentSeries,
    BookingPolicy,
    Channel,
    Frequency,
    OnlineMode,
    PractitionerSettings,
    Room,
    Service,
    ServicePractitioner,
    Status,
    TimeOff,
    WorkingHours,
)
from .selectors import Slot, load_inputs, slots_from_inputs
from .validation import ask_modules

NEXT_SLOTS = 5
NEXT_SLOTS_DAYS = 14
SERIES_MAX_OCCURRENCES = 52
SERIES_MAX_DAYS = 366

TRANSITIONS: dict[str, set[str]] = {
    Status.REQUESTED: {Status.BOOKED, Status.CANCELLED_CLINIC, Status.CANCELLED_PATIENT},
    Status.BOOKED: {
        Status.ARRIVED,
        Status.IN_PROGRESS,
        Status.NO_SHOW,
        Status.CANCELLED_CLINIC,
        Status.CANCELLED_PATIENT,
    },
    Status.ARRIVED: {Status.IN_PROGRESS, Status.COMPLETED, Status.BOOKED},
    Status.IN_PROGRESS: {Status.COMPLETED},
    Status.COMPLETED: set(),
    Status.CANCELLED_PATIENT: set(),
    Status.CANCELLED_CLINIC: set(),
    Status.NO_SHOW: set(),
}
MOVABLE = {Status.REQUESTED, Status.BOOKED}


class SlotTaken(Exception):
    """The time asked for is taken (or was taken a moment ago by someone else)."""

    def __init__(self, message: str, next_slots: list[Slot]):
        super().__init__(message)
        self.message = message
        self.next_slots = next_slots


class StaleAppointment(Exception):
    """The appointment changed since the caller loaded it (its version moved on)."""

    def __init__(self, current_version: int):
        super().__init__(_("This appointment was changed by someone else. Reload it and try again."))
        self.message = str(self.args[0])
        self.current_version = current_version


def _announce(change: str, appointment: Appointment, by=None, **details) -> None:
    """Tell the other modules (notifications, analytics, …) once the change has committed."""
    emit(
        appointment.clinic,
        events.AppointmentChanged(
            change=change,
            appointment_id=appointment.pk,
            version=appointment.version,
            status=appointment.status,
            start=appointment.start,
            end=appointment.end,
            patient_id=appointment.patient_id,
            practitioner_id=appointment.practitioner_id,
            practitioner_name=appointment.practitioner.name,
            service_id=appointment.service_id,
            service_name=appointment.service.name if appointment.service_id else "",
            previous_status=details.get("previous_status", ""),
            previous_start=details.get("previous_start"),
            previous_practitioner_id=details.get("previous_practitioner_id"),
            reason=details.get("reason", appointment.cancellation_reason or ""),
            part_of_series=bool(details.get("series")),
            by_user_id=getattr(by, "pk", None),
        ),
    )


def _is_slot_conflict(error: IntegrityError) -> bool:
    cause = getattr(error, "__cause__", None)
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)
    if name:
        return name in SLOT_CONSTRAINTS
    return any(c in str(error) for c in SLOT_CONSTRAINTS)


# Far enough for any clinic's records and bookings, and far from datetime's limits, so adding a duration,
# a buffer or a series' weeks to a time never overflows.
BOOKABLE_YEARS = range(1900, 3000)


def _aware(value: datetime) -> datetime:
    if timezone.is_naive(value):
        raise ValidationError({"start": _("Give the time with its time zone.")})
    if value.year not in BOOKABLE_YEARS:
        raise ValidationError({"start": _("Give a date between the years 1900 and 2999.")})
    return value


# --- setup -----------------------------------------------------------------------------------------------


@transaction.atomic
def create_service(clinic: Clinic, *, practitioners=(), **fields) -> Service:
    service = Service(
        organization_id=clinic.organization_id, clinic=clinic, currency=clinic.currency, **fields
    )
    service.full_clean(exclude=["organization", "clinic", "currency"])
    if Service.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, name=service.name
    ).exists():
        raise ValidationError({"name": _("This clinic already has a service with that name.")})
    service.save()
    set_service_practitioners(service, practitioners)
    return service


def set_service_practitioners(service: Service, practitioners) -> None:
    wanted = {m.pk for m in practitioners}
    if any(m.organization_id != service.organization_id for m in practitioners):
        raise ValidationError({"practitioners": _("Choose members of this organization.")})
    ServicePractitioner.objects.filter(organization_id=service.organization_id, service=service).exclude(
        membership_id__in=wanted
    ).delete()
    have = set(
        ServicePractitioner.objects.filter(
            organization_id=service.organization_id, service=service
        ).values_list("membership_id", flat=True)
    )
    ServicePractitioner.objects.bulk_create(
        ServicePractitioner(organization_id=service.organization_id, service=service, membership_id=pk)
        for pk in sorted(wanted - have)
    )


@transaction.atomic
def add_working_hours(clinic: Clinic, membership: Membership, **fields) -> WorkingHours:
    if not MembershipClinic.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, membership=membership
    ).exists():
        raise ValidationError({"practitioner": _("This person does not work at this clinic.")})
    hours = WorkingHours(
        organization_id=clinic.organization_id, clinic=clinic, membership=membership, **fields
    )
    if hours.start_time and hours.end_time and hours.end_time <= hours.start_time:
        raise ValidationError({"end_time": _("The end must be after the start.")})
    hours.full_clean(exclude=["organization", "clinic", "membership"])
    hours.save()
    return hours


@transaction.atomic
def add_time_off(membership: Membership, *, start: datetime, end: datetime, reason: str = "") -> TimeOff:
    if end <= start:
        raise ValidationError({"end": _("The end must be after the start.")})
    return TimeOff.objects.create(
        organization_id=membership.organization_id, membership=membership, start=start, end=end, reason=reason
    )


# --- booking ---------------------------------------------------------------------------------------------


def next_free_slots(
    clinic: Clinic,
    service: Service,
    practitioner: Membership,
    after: datetime,
    *,
    limit: int = NEXT_SLOTS,
    exclude_appointment_id: int | None = None,
    policy=None,
    allow_overlap: bool | None = None,
) -> list[Slot]:
    """The first free slots for this practitioner and service from ``after`` on (inside working hours).
    ``policy`` and ``allow_overlap`` are read when not given."""
    local = after.astimezone(clinic.tzinfo).date()
    inputs = load_inputs(
        clinic,
        service,
        [practitioner.pk],
        local,
        local + timedelta(days=NEXT_SLOTS_DAYS),
        exclude_appointment_id=exclude_appointment_id,
        policy=policy,
        allow_overlap=None if allow_overlap is None else {practitioner.pk: allow_overlap},
    )
    slots = slots_from_inputs(inputs, now=None)
    return [s for s in slots if s.start >= after][:limit]


@dataclass(frozen=True)
class BookingFacts:
    """What a booking or a move needs to know besides the objects it is given."""

    works_here: bool
    offers_service: bool
    allow_overlap: bool
    patient_linked: bool
    policy: BookingPolicy


POLICY_FIELDS = ("id", "min_notice_minutes", "max_days_ahead", "slot_granularity_minutes", "online_mode")


@functools.cache
def _facts_sql() -> str:
    # Written out rather than built with the ORM: compiling five subqueries cost several times what the
    # database needs to answer them, on every booking. Every table is filtered by the organization, as
    # the scoped managers would (raw SQL is not scoped).
    tables = {
        "works": MembershipClinic._meta.db_table,
        "offers": ServicePractitioner._meta.db_table,
        "settings": PractitionerSettings._meta.db_table,
        "linked": PatientClinic._meta.db_table,
        "policy": BookingPolicy._meta.db_table,
    }
    policy = ", ".join(f"policy.{name}" for name in POLICY_FIELDS)
    return f"""
        SELECT
            EXISTS(SELECT 1 FROM {tables["works"]} WHERE organization_id = %(org)s
                   AND clinic_id = %(clinic)s AND membership_id = %(member)s),
            EXISTS(SELECT 1 FROM {tables["offers"]} WHERE organization_id = %(org)s
                   AND service_id = %(service)s AND membership_id = %(member)s),
            EXISTS(SELECT 1 FROM {tables["settings"]} WHERE organization_id = %(org)s
                   AND membership_id = %(member)s AND allow_overlap),
            EXISTS(SELECT 1 FROM {tables["linked"]} WHERE organization_id = %(org)s
                   AND clinic_id = %(clinic)s AND patient_id = %(patient)s),
            {policy}
        FROM (SELECT 1) AS one
        LEFT JOIN {tables["policy"]} AS policy
            ON policy.organization_id = %(org)s AND policy.clinic_id = %(clinic)s
    """  # noqa: S608 - table and column names come from the models; values are parameters


def booking_facts(
    clinic: Clinic, practitioner: Membership, service: Service, patient: Patient
) -> BookingFacts:
    """In one query: does the practitioner work at the clinic and offer the service, may they overlap,
    is the patient already linked to the clinic, and the clinic's booking policy (defaults when unset)."""
    org = clinic.organization_id
    params = {
        "org": org,
        "clinic": clinic.pk,
        "member": practitioner.pk,
        "service": service.pk,
        "patient": patient.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(_facts_sql(), params)
        works_here, offers_service, allow_overlap, patient_linked, *policy = cursor.fetchone()
    if policy[0] is None:
        loaded = BookingPolicy(organization_id=org, clinic=clinic)
    else:
        loaded = BookingPolicy(
            organization_id=org, clinic=clinic, **dict(zip(POLICY_FIELDS, policy, strict=True))
        )
        loaded._state.adding = False
    return BookingFacts(
        works_here=works_here,
        offers_service=offers_service,
        allow_overlap=allow_overlap,
        patient_linked=patient_linked,
        policy=loaded,
    )


def _validate_booking(
    *,
    clinic: Clinic,
    practitioner: Membership,
    patient: Patient,
    service: Service,
    room: Room | None,
    facts: BookingFacts,
) -> None:
    org = clinic.organization_id
    errors = {}
    if service.organization_id != org or service.clinic_id != clinic.pk or not service.active:
        errors["service"] = _("Choose an active service of this clinic.")
    if practitioner.organization_id != org or not practitioner.is_active:
        errors["practitioner"] = _("Choose an active practitioner of this organization.")
    elif not facts.works_here:
        errors["practitioner"] = _("This practitioner does not work at this clinic.")
    elif "service" not in errors and not facts.offers_service:
        errors["service"] = _("This practitioner does not offer this service.")
    if patient.organization_id != org or patient.merged_into_id or patient.archived:
        errors["patient"] = _("Choose an active patient of this organization.")
    if room is not None and (room.organization_id != org or room.clinic_id != clinic.pk or not room.active):
        errors["room"] = _("Choose a room of this clinic.")
    if errors:
        raise ValidationError(errors)


def _check_time(
    *,
    clinic: Clinic,
    practitioner: Membership,
    service: Service,
    start: datetime,
    override: bool,
    now: datetime,
    facts: BookingFacts,
    exclude_appointment_id: int | None = None,
) -> None:
    """Refuse a time outside working hours or the booking window (unless ``override``), and a time that is
    already taken (always; the practitioner's allow-overlap setting aside)."""
    local = start.astimezone(clinic.tzinfo).date()
    policy = facts.policy
    inputs = load_inputs(
        clinic,
        service,
        [practitioner.pk],
        local - timedelta(days=1),
        local + timedelta(days=1),
        exclude_appointment_id=exclude_appointment_id,
        policy=policy,
        allow_overlap={practitioner.pk: facts.allow_overlap},
    )
    data = inputs.practitioners[practitioner.pk]
    request = inputs.request
    if not override:
        windows = av.working_windows(
            data.rules, clinic.tzinfo, inputs.date_from, inputs.date_to, inputs.closures
        )
        if not av.fits(start, request, windows=windows, blocked=data.time_off):
            raise ValidationError(
                {"start": _("This time is outside the practitioner's working hours or they are away.")}
            )
        not_before, not_after = inputs.booking_window(now)
        if not av.fits(start, request, windows=None, blocked=[], not_before=not_before, not_after=not_after):
            raise ValidationError({"start": _("This time is outside the clinic's booking window.")})
    if not av.fits(start, request, windows=None, blocked=data.busy):
        raise SlotTaken(
            _("This time is already taken."),
            next_free_slots(
                clinic,
                service,
                practitioner,
                start,
                exclude_appointment_id=exclude_appointment_id,
                policy=policy,
                allow_overlap=facts.allow_overlap,
            ),
        )


def _occupied(service: Service, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    return start - service.buffer_before, end + service.buffer_after


def _save_or_slot_taken(appointment: Appointment, clinic, service, practitioner, **save_kwargs) -> None:
    try:
        with transaction.atomic():
            appointment.save(**save_kwargs)
    except IntegrityError as error:
        if not _is_slot_conflict(error):
            raise
        raise SlotTaken(
            _("This time was just taken."),
            next_free_slots(
                clinic, service, practitioner, appointment.start, exclude_appointment_id=appointment.pk
            ),
        )


class _SlotConflict(Exception):
    """The database refused the appointment for overlapping another (its exclusion constraints)."""


def book_appointment(
    *,
    clinic: Clinic,
    practitioner: Membership,
    patient: Patient,
    service: Service,
    start: datetime,
    by=None,
    channel: str = Channel.OFFICE,
    room: Room | None = None,
    notes: str = "",
    override: bool = False,
    series: AppointmentSeries | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book ``service`` with ``practitioner`` for ``patient`` at ``start``.

    Online bookings (channel "portal") follow the clinic's online mode: instant bookings are booked,
    otherwise they are requests awaiting approval; they never override working hours or the window.
    """
    try:
        return _book(
            clinic=clinic,
            practitioner=practitioner,
            patient=patient,
            service=service,
            start=start,
            by=by,
            channel=channel,
            room=room,
            notes=notes,
            override=override,
            series=series,
            now=now,
        )
    except _SlotConflict as conflict:
        # The booking's transaction (or its savepoint, inside a caller's) has been rolled back by now, so
        # the next free times are read from a usable connection without a savepoint of their own.
        facts, when = conflict.args
        raise SlotTaken(
            _("This time was just taken."),
            next_free_slots(
                clinic, service, practitioner, when, policy=facts.policy, allow_overlap=facts.allow_overlap
            ),
        ) from None


@transaction.atomic
def _book(
    *,
    clinic: Clinic,
    practitioner: Membership,
    patient: Patient,
    service: Service,
    start: datetime,
    by,
    channel: str,
    room: Room | None,
    notes: str,
    override: bool,
    series: AppointmentSeries | None,
    now: datetime | None,
) -> Appointment:
    now = now or timezone.now()
    start = _aware(start).astimezone(UTC)
    facts = booking_facts(clinic, practitioner, service, patient)
    _validate_booking(
        clinic=clinic, practitioner=practitioner, patient=patient, service=service, room=room, facts=facts
    )
    status = Status.BOOKED
    if channel == Channel.PORTAL:
        override = False
        mode = facts.policy.online_mode
        if mode == OnlineMode.OFF or not service.bookable_online:
            raise ValidationError(_("This service cannot be booked online."))
        if mode == OnlineMode.APPROVAL:
            status = Status.REQUESTED
    end = start + service.duration
    if end <= start:
        raise ValidationError({"start": _("The appointment must end after it starts.")})
    _check_time(
        clinic=clinic,
        practitioner=practitioner,
        service=service,
        start=start,
        override=override,
        now=now,
        facts=facts,
    )
    occupied_start, occupied_end = _occupied(service, start, end)
    appointment = Appointment(
        organization_id=clinic.organization_id,
        clinic=clinic,
        practitioner=practitioner,
        patient=patient,
        service=service,
        room=room,
        start=start,
        end=end,
        occupied_start=occupied_start,
        occupied_end=occupied_end,
        allow_overlap=facts.allow_overlap,
        status=status,
        channel=channel,
        booked_by=by if getattr(by, "is_authenticated", False) else None,
        staff_notes=notes,
        series=series,
    )
    ask_modules("book", appointment, by=by)
    try:
        appointment.save()
    except IntegrityError as error:
        if not _is_slot_conflict(error):
            raise
        raise _SlotConflict(facts, start) from error
    if not facts.patient_linked:
        # Two first bookings of the same patient at once may both get here: the second adds nothing.
        PatientClinic.objects.bulk_create(
            [PatientClinic(organization_id=clinic.organization_id, patient=patient, clinic=clinic)],
            ignore_conflicts=True,
        )
    _announce("booked", appointment, by=by, series=series)
    return appointment


def _lock(appointment: Appointment, expected_version: int | None) -> Appointment:
    locked = (
        Appointment.objects.select_for_update()
        .select_related("clinic", "service", "practitioner")
        .get(organization_id=appointment.organization_id, pk=appointment.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleAppointment(locked.version)
    return locked


@transaction.atomic
def reschedule(
    appointment: Appointment,
    *,
    expected_version: int,
    start: datetime,
    practitioner: Membership | None = None,
    room: Room | None | bool = False,
    by=None,
    override: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Move an appointment. ``expected_version`` is required: a change made meanwhile by someone else
    raises ``StaleAppointment``. ``room=False`` keeps the room; None clears it."""
    if expected_version is None:
        raise ValidationError({"version": _("Send the version of the appointment you are changing.")})
    now = now or timezone.now()
    locked = _lock(appointment, expected_version)
    if locked.status not in MOVABLE:
        raise ValidationError(_("Only booked or requested appointments can be moved."))
    clinic, service = locked.clinic, locked.service
    practitioner = practitioner or locked.practitioner
    new_room = locked.room if room is False else room
    start = _aware(start).astimezone(UTC)
    facts = booking_facts(clinic, practitioner, service, locked.patient)
    _validate_booking(
        clinic=clinic,
        practitioner=practitioner,
        patient=locked.patient,
        service=service,
        room=new_room,
        facts=facts,
    )
    _check_time(
        clinic=clinic,
        practitioner=practitioner,
        service=service,
        start=start,
        override=override,
        now=now,
        facts=facts,
        exclude_appointment_id=locked.pk,
    )
    allow_overlap = facts.allow_overlap
    previous_start, previous_practitioner_id = locked.start, locked.practitioner_id
    previous_end = locked.end
    locked.start, locked.end = start, start + service.duration
    locked.occupied_start, locked.occupied_end = _occupied(service, locked.start, locked.end)
    locked.practitioner = practitioner
    locked.allow_overlap = allow_overlap
    locked.room = new_room
    locked.version += 1
    locked.updated_at = now
    ask_modules("reschedule", locked, by=by)
    _save_or_slot_taken(locked, clinic, service, practitioner)
    if (previous_start, previous_practitioner_id) != (locked.start, locked.practitioner_id):
        waitlist.slot_freed(
            clinic,
            service.pk,
            previous_practitioner_id,
            previous_start,
            previous_end,
            now=now,
            freed_by_patient_id=locked.patient_id,
        )
    _announce(
        "rescheduled",
        locked,
        by=by,
        previous_start=previous_start,
        previous_practitioner_id=previous_practitioner_id,
    )
    return locked


@transaction.atomic
def set_status(
    appointment: Appointment,
    status: str,
    *,
    by=None,
    reason: str = "",
    expected_version: int | None = None,
) -> Appointment:
    """Move an appointment along its life: the allowed steps are in ``TRANSITIONS``."""
    if status not in Status.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    locked = _lock(appointment, expected_version)
    previous = locked.status
    if status == previous:
        return locked
    if status not in TRANSITIONS[previous]:
        raise ValidationError(
            {
                "status": _("An appointment that is “%(current)s” cannot become “%(new)s”.")
                % {"current": Status(previous).label, "new": Status(status).label}
            }
        )
    locked.status = status
    if status in (Status.CANCELLED_CLINIC, Status.CANCELLED_PATIENT):
        locked.cancellation_reason = (reason or "")[:300]
    locked.version += 1
    locked.updated_at = timezone.now()
    ask_modules("status", locked, by=by)
    locked.save(update_fields=["status", "cancellation_reason", "version", "updated_at"])
    _announce("status_changed", locked, by=by, previous_status=previous)
    if status in (Status.CANCELLED_CLINIC, Status.CANCELLED_PATIENT):
        _announce("cancelled", locked, by=by, reason=locked.cancellation_reason)
        waitlist.slot_freed(
            locked.clinic,
            locked.service_id,
            locked.practitioner_id,
            locked.start,
            locked.end,
            freed_by_patient_id=locked.patient_id,
        )
    elif status == Status.NO_SHOW:
        _announce("no_show", locked, by=by)
    elif status == Status.COMPLETED:
        _announce("completed", locked, by=by)
    elif previous == Status.REQUESTED and status == Status.BOOKED:
        _announce("approved", locked, by=by)
    return locked


def cancel(
    appointment: Appointment,
    *,
    by_patient: bool,
    reason: str = "",
    by=None,
    expected_version: int | None = None,
) -> Appointment:
    status = Status.CANCELLED_PATIENT if by_patient else Status.CANCELLED_CLINIC
    return set_status(appointment, status, by=by, reason=reason, expected_version=expected_version)


def approve_request(appointment: Appointment, *, by=None) -> Appointment:
    if appointment.status != Status.REQUESTED:
        raise ValidationError(_("Only requests can be approved."))
    return set_status(appointment, Status.BOOKED, by=by)


def decline_request(appointment: Appointment, *, reason: str = "", by=None) -> Appointment:
    if appointment.status != Status.REQUESTED:
        raise ValidationError(_("Only requests can be declined."))
    return set_status(appointment, Status.CANCELLED_CLINIC, by=by, reason=reason or _("Request declined."))


# --- recurring series ------------------------------------------------------------------------------------


@dataclass
class SeriesResult:
    series: AppointmentSeries
    booked: list[Appointment] = field(default_factory=list)
    # (local start or date, why it could not be booked, next free slots when the time was taken)
    skipped: list[tuple[datetime | date, str, list[Slot]]] = field(default_factory=list)


def _add_months(day: date, months: int) -> date | None:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if day.day > calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day.day)


def occurrence_dates(
    first: date, frequency: str, interval: int, until: date | None, count: int | None
) -> list[date | tuple[date, str]]:
    """The dates of a series; a month without the first date's day yields ``(date, reason)`` instead."""
    if interval < 1:
        raise ValidationError({"interval": _("Repeat at least every 1.")})
    if until is None and count is None:
        raise ValidationError({"until": _("Say until when, or how many times.")})
    limit = min(count or SERIES_MAX_OCCURRENCES, SERIES_MAX_OCCURRENCES)
    last = min(until or date.max, first + timedelta(days=SERIES_MAX_DAYS))
    dates: list[date | tuple[date, str]] = []
    n = 0
    while len(dates) < limit:
        if frequency == Frequency.WEEKLY:
            day = first + timedelta(weeks=interval * n)
        elif frequency == Frequency.MONTHLY:
            day = _add_months(first, interval * n)
            if day is None:
                month_start = _add_months(first.replace(day=1), interval * n)
                if month_start > last:
                    break
                dates.append((month_start, _("This month has no day %(day)s.") % {"day": first.day}))
                n += 1
                continue
        else:
            raise ValidationError({"frequency": _("Choose weekly or monthly.")})
        if day > last:
            break
        dates.append(day)
        n += 1
    return dates


@transaction.atomic
def book_series(
    *,
    clinic: Clinic,
    practitioner: Membership,
    patient: Patient,
    service: Service,
    first_start: datetime,
    frequency: str,
    interval: int = 1,
    until: date | None = None,
    count: int | None = None,
    by=None,
    room: Room | None = None,
    notes: str = "",
    override: bool = False,
    channel: str = Channel.OFFICE,
    now: datetime | None = None,
) -> SeriesResult:
    """Book a recurring series at the same local time. Each occurrence is booked on its own; the ones
    that cannot be booked are reported in ``skipped`` and the rest stay booked."""
    tz = clinic.tzinfo
    local_first = _aware(first_start).astimezone(tz)
    dates = occurrence_dates(local_first.date(), frequency, interval, until, count)
    series = AppointmentSeries.objects.create(
        organization_id=clinic.organization_id,
        clinic=clinic,
        frequency=frequency,
        interval=interval,
        until=until,
        count=count,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    result = SeriesResult(series)
    for item in dates:
        if isinstance(item, tuple):
            result.skipped.append((item[0], item[1], []))
            continue
        start = av.local_instant(item, local_first.timetz().replace(tzinfo=None), tz)
        if start is None:
            result.skipped.append((item, _("This local time does not exist (clocks go forward)."), []))
            continue
        try:
            appointment = book_appointment(
                clinic=clinic,
                practitioner=practitioner,
                patient=patient,
                service=service,
                start=start,
                by=by,
                channel=channel,
                room=room,
                notes=notes,
                override=override,
                series=series,
                now=now,
            )
        except SlotTaken as error:
            result.skipped.append((start.astimezone(tz), error.message, error.next_slots))
        except ValidationError as error:
            result.skipped.append((start.astimezone(tz), " ".join(error.messages), []))
        else:
            result.booked.append(appointment)
    return result
