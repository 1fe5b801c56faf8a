"""What a booking or a move must satisfy before it is written: the facts read about the people and the
clinic, the choices of service, practitioner, patient and room, and the time itself."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import in_range, out_of_range_message
from core.patients.models import Patient, PatientClinic
from core.tenancy.models import Clinic, Membership, MembershipClinic

from .. import availability as av
from ..models import BookingPolicy, PractitionerSettings, Room, Service, ServicePractitioner
from ..selectors import AvailabilityInputs, load_inputs
from .conflicts import SlotTaken
from .diary_locks import LOCK_SQL, diary_keys
from .free_slots import next_free_slots
from .why_taken import why_taken


def aware(value: datetime) -> datetime:
    """``value`` when it carries its time zone and falls in the bookable years; ``ValidationError`` else."""
    if timezone.is_naive(value):
        raise ValidationError({"start": _("Give the time with its time zone.")})
    if not in_range(value):
        raise ValidationError({"start": out_of_range_message()})
    return value


def occupied(service: Service, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The span an appointment keeps the practitioner busy: the service's buffers around it."""
    return start - service.buffer_before, end + service.buffer_after


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
def _facts_sql(with_policy: bool, with_lock: bool) -> str:
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
    policy_columns, policy_join, lock_column = "", "", ""
    if with_lock:
        # The diaries' locks, taken by this same statement rather than one of their own before it: the
        # facts read here are not what the locks guard (the diaries' appointments, read after).
        lock_sql = LOCK_SQL.replace("%s", "%(diaries)s")
        lock_column = f"(SELECT count(*) FROM ({lock_sql}) AS locks),"  # noqa: S608 - fixed text
    if with_policy:
        policy_columns = ", " + ", ".join(f"policy.{name}" for name in POLICY_FIELDS)
        policy_join = f"""LEFT JOIN {tables["policy"]} AS policy
            ON policy.organization_id = %(org)s AND policy.clinic_id = %(clinic)s"""
    return f"""
        SELECT {lock_column}
            EXISTS(SELECT 1 FROM {tables["works"]} WHERE organization_id = %(org)s
                   AND clinic_id = %(clinic)s AND membership_id = %(member)s),
            EXISTS(SELECT 1 FROM {tables["offers"]} WHERE organization_id = %(org)s
                   AND service_id = %(service)s AND membership_id = %(member)s),
            EXISTS(SELECT 1 FROM {tables["settings"]} WHERE organization_id = %(org)s
                   AND membership_id = %(member)s AND allow_overlap),
            EXISTS(SELECT 1 FROM {tables["linked"]} WHERE organization_id = %(org)s
                   AND clinic_id = %(clinic)s AND patient_id = %(patient)s)
            {policy_columns}
        FROM (SELECT 1) AS one
        {policy_join}
    """  # noqa: S608 - table and column names come from the models; values are parameters


def booking_facts(
    clinic: Clinic,
    practitioner: Membership,
    service: Service,
    patient: Patient,
    *,
    policy: BookingPolicy | None = None,
    lock_rooms: list[int | None] | None = None,
) -> BookingFacts:
    """In one query: does the practitioner work at the clinic and offer the service, may they overlap,
    is the patient already linked to the clinic, and the clinic's booking policy (defaults when unset;
    read only when the caller has not read it already).

    With ``lock_rooms`` (the rooms to be written to; ``[None]`` for none), the same query first takes the
    diary locks of the practitioner and those rooms (see diary_locks), until the transaction ends."""
    org = clinic.organization_id
    params = {
        "org": org,
        "clinic": clinic.pk,
        "member": practitioner.pk,
        "service": service.pk,
        "patient": patient.pk,
        "diaries": diary_keys([practitioner.pk], lock_rooms or []),
    }
    with_lock = lock_rooms is not None
    with connection.cursor() as cursor:
        cursor.execute(_facts_sql(policy is None, with_lock), params)
        row = cursor.fetchone()[1:] if with_lock else cursor.fetchone()
        works_here, offers_service, allow_overlap, patient_linked, *policy_row = row
    if policy is None:
        policy = _policy_from_row(clinic, policy_row)
    return BookingFacts(
        works_here=works_here,
        offers_service=offers_service,
        allow_overlap=allow_overlap,
        patient_linked=patient_linked,
        policy=policy,
    )


def _policy_from_row(clinic: Clinic, row: list) -> BookingPolicy:
    """The clinic's booking policy from the facts query's columns; the defaults when it has none."""
    if row[0] is None:
        return BookingPolicy(organization_id=clinic.organization_id, clinic=clinic)
    policy = BookingPolicy(
        organization_id=clinic.organization_id, clinic=clinic, **dict(zip(POLICY_FIELDS, row, strict=True))
    )
    policy._state.adding = False
    return policy


def validate_booking(
    *,
    clinic: Clinic,
    practitioner: Membership,
    patient: Patient,
    service: Service,
    room: Room | None,
    facts: BookingFacts,
) -> None:
    """Refuse a service, practitioner, patient or room that is not this clinic's to book."""
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


def check_time(
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
    problem = time_problem(inputs, practitioner.pk, start, override=override, now=now)
    if problem in (OUTSIDE_HOURS, OUTSIDE_WINDOW):
        raise ValidationError({"start": problem_message(problem)})
    if problem == TAKEN:
        raise SlotTaken(
            why_taken(
                practitioner_id=practitioner.pk,
                organization_id=clinic.organization_id,
                service=service,
                start=start,
                tz=clinic.tzinfo,
                exclude=exclude_appointment_id,
            ),
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


# What can be wrong with a time, in the order it is checked.
OUTSIDE_HOURS, OUTSIDE_WINDOW, TAKEN = "hours", "window", "taken"


def problem_message(problem: str) -> str:
    """The office's words for a time outside the hours or the window (a taken time says why_taken)."""
    if problem == OUTSIDE_HOURS:
        return _("This time is outside the practitioner's working hours or they are away.")
    return _("This time is outside the clinic's booking window.")


def time_problem(
    inputs: AvailabilityInputs, practitioner_id: int, start: datetime, *, override: bool, now: datetime
) -> str | None:
    """What stops the practitioner taking the service at ``start``, read from loaded inputs: outside the
    working hours (or away), outside the booking window (both waived by ``override``), or taken by
    another appointment; None when the time is free. One loading of inputs serves many times."""
    data = inputs.practitioners[practitioner_id]
    request = inputs.request
    tz = inputs.clinic.tzinfo
    if not override:
        # Only the days around the start matter (an appointment of up to 12 hours may cross midnight).
        local = start.astimezone(tz).date()
        first, last = (
            max(inputs.date_from, local - timedelta(days=1)),
            min(inputs.date_to, local + timedelta(days=1)),
        )
        windows = av.working_windows(data.rules, tz, first, last, inputs.closures)
        if not av.fits(start, request, windows=windows, blocked=data.time_off):
            return OUTSIDE_HOURS
        not_before, not_after = inputs.booking_window(now)
        if not av.fits(start, request, windows=None, blocked=[], not_before=not_before, not_after=not_after):
            return OUTSIDE_WINDOW
    if not av.fits(start, request, windows=None, blocked=data.busy):
        return TAKEN
    return None
