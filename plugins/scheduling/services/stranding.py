"""Changes to when practitioners work that would leave booked patients where nobody sees them.

Adding time off or a closure, or cutting working hours, can strand appointments already booked: they then
lie inside time off or a closure, or outside their practitioner's working hours. Such a change is never
saved silently. It is tried inside a transaction, the appointments it would strand are found with the
availability engine's own notion of working time, and unless the person has said what to do with each of
them the whole transaction is rolled back and they are listed for a decision. Once decided, the change is
tried again from scratch, so what is saved is what was decided on.

Time off is the practitioner's own, not a clinic's: it strands their appointments at every clinic of the
organization. The person changing it decides only on those they may cancel; the others are counted, so
they know to tell those clinics, but neither named nor changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.tenancy.models import Clinic

from .. import availability as av
from .. import selectors
from ..models import Appointment, Status
from .conflicts import SlotTaken
from .diary_locks import lock_diaries
from .free_slots import next_free_slots
from .rescheduling import reschedule
from .status import cancel

T = TypeVar("T")

KEEP = "keep"
CANCEL = "cancel"
# A decision to move is the new start itself (an aware datetime), chosen from the free times offered.
Decision = str | datetime
# Free times offered per stranded appointment, from its own day on.
MOVE_OFFERS = 4
# Offering times costs one availability read per appointment; past this many (a long cut of weekly
# hours), the rest are kept or cancelled, and can be moved from the calendar afterwards.
MOVE_OFFERS_FOR = 25
# Only appointments still ahead of the patient can be stranded; those already seen or cancelled cannot.
WAITING = (Status.BOOKED, Status.REQUESTED)
# Cutting weekly hours reaches every appointment ahead; this is how far ahead that is looked for.
FAR_FUTURE = timedelta(days=3650)


@dataclass(frozen=True)
class Stranded:
    appointment: Appointment
    why: str  # av.IN_TIME_OFF or av.OUTSIDE_HOURS
    # Free times it could move to once the change is saved (filled when the person is asked).
    free_times: tuple[datetime, ...] = ()


class StrandsAppointments(Exception):  # noqa: N818 - a decision to ask for, not a failure
    """The change would strand these appointments and nobody has said yet what to do with them;
    ``elsewhere`` more are stranded where the person may not decide (counted, not named).
    ``refused`` holds, per appointment id, why a chosen move could not be made."""

    def __init__(self, stranded: list[Stranded], elsewhere: int = 0, refused: dict[int, str] | None = None):
        super().__init__("stranded appointments")
        self.stranded = stranded
        self.elsewhere = elsewhere
        self.refused = refused or {}


class _MovesRefused(Exception):
    def __init__(self, reasons: dict[int, str]):
        super().__init__("moves refused")
        self.reasons = reasons


def waiting_appointments(
    clinic: Clinic,
    practitioner_ids: Iterable[int],
    start: datetime,
    end: datetime,
    *,
    everywhere: bool = False,
) -> list[Appointment]:
    """The clinic's (with ``everywhere``, the organization's) booked or requested appointments of these
    practitioners overlapping ``[start, end)`` and not yet over, locked until this transaction ends so
    none changes while the decision is applied."""
    start = max(start, timezone.now())
    where = {} if everywhere else {"clinic": clinic}
    return list(
        Appointment.objects.select_for_update(of=("self",))
        .filter(
            organization_id=clinic.organization_id,
            practitioner_id__in=list(practitioner_ids),
            status__in=WAITING,
            start__lt=end,
            end__gt=start,
            **where,
        )
        .select_related("clinic", "patient", "service", "practitioner__user")
        .order_by("start", "id")
    )


def stranded_among(appointments: list[Appointment]) -> list[Stranded]:
    """Which of ``appointments`` lie where their practitioner is not working, read as the availability
    engine and the calendar read it (working hours, time off and closures of each one's clinic)."""
    by_clinic: dict[int, list[Appointment]] = {}
    for appointment in appointments:
        by_clinic.setdefault(appointment.clinic_id, []).append(appointment)
    found = []
    for group in by_clinic.values():
        found.extend(_stranded_at(group[0].clinic, group))
    return sorted(found, key=lambda s: (s.appointment.start, s.appointment.pk))


def _stranded_at(clinic: Clinic, appointments: list[Appointment]) -> list[Stranded]:
    tz = clinic.tzinfo
    first = min(a.start for a in appointments).astimezone(tz).date()
    last = max(a.end for a in appointments).astimezone(tz).date()
    practitioner_ids = sorted({a.practitioner_id for a in appointments})
    inputs, closures = selectors.practitioner_inputs(clinic, practitioner_ids, first, last)
    windows = {
        pk: av.Timeline(av.working_windows(data.rules, tz, first, last, closures))
        for pk, data in inputs.items()
    }
    away = {pk: av.Timeline(data.time_off) for pk, data in inputs.items()}
    found = []
    for appointment in appointments:
        pk = appointment.practitioner_id
        why = av.why_stranded(av.Interval(appointment.start, appointment.end), windows[pk], away[pk])
        if why:
            found.append(Stranded(appointment, why))
    return found


def change_working_time(
    clinic: Clinic,
    practitioner_ids: Iterable[int],
    start: datetime,
    end: datetime,
    change: Callable[[], T],
    *,
    decisions: dict[int, Decision] | None = None,
    reason: str = "",
    by: Any = None,
    everywhere: bool = False,
    may_decide: Callable[[Appointment], bool] | None = None,
) -> tuple[T, list[Stranded]]:
    """Run ``change`` (which writes the new hours, time off or closure) for these practitioners, whose
    appointments between ``start`` and ``end`` it may strand.

    Appointments it newly strands need a decision each in ``decisions`` (appointment id → ``KEEP``,
    ``CANCEL``, or the new start to move it to); when one is missing, nothing is saved and
    ``StrandsAppointments`` lists them all with the free times each could move to. Those to cancel are
    cancelled by the clinic with ``reason`` and those to move are moved, so their patients are told; when a
    chosen time is no longer free, nothing is saved and the list comes back saying so. Returns what
    ``change`` returned and the appointments it stranded that were decided on.

    With ``everywhere`` (time off), the practitioners' appointments at every clinic of the organization
    are looked at. ``may_decide`` says which of them the person may cancel or move; the others stay
    booked, and are only counted on the list (which is then shown even when nothing else needs deciding).
    """
    practitioner_ids = sorted(set(practitioner_ids))
    confirmed = decisions is not None
    decisions = decisions or {}
    with transaction.atomic():
        # New bookings for these diaries wait until this change is saved or dropped, so none can slip
        # into the time being taken away between the check and the save.
        lock_diaries(practitioner_ids)
        appointments = waiting_appointments(clinic, practitioner_ids, start, end, everywhere=everywhere)
        already = {s.appointment.pk for s in stranded_among(appointments)}
        result = change()
        newly = [s for s in stranded_among(appointments) if s.appointment.pk not in already]
        stranded = [s for s in newly if may_decide is None or may_decide(s.appointment)]
        elsewhere = len(newly) - len(stranded)
        undecided = any(not _is_decision(decisions.get(s.appointment.pk)) for s in stranded)
        if undecided or (elsewhere and not confirmed):
            # Free times are read with the change in place, so none offered lies in the new time off.
            raise StrandsAppointments(with_free_times(stranded), elsewhere)  # rolls the change back
        try:
            with transaction.atomic():
                _carry_out(stranded, decisions, reason=reason, by=by)
        except _MovesRefused as refused:
            raise StrandsAppointments(with_free_times(stranded), elsewhere, refused.reasons) from None
    return result, stranded


def _is_decision(choice: Decision | None) -> bool:
    return choice in (KEEP, CANCEL) or (isinstance(choice, datetime) and choice.tzinfo is not None)


def _carry_out(stranded: list[Stranded], decisions: dict[int, Decision], *, reason: str, by: Any) -> None:
    """Cancel first, so a move may take a time a cancellation frees; every move is tried, so the person
    hears about all refused ones at once (and then none of this is kept)."""
    for item in stranded:
        if decisions[item.appointment.pk] == CANCEL:
            cancel(item.appointment, by_patient=False, reason=reason, by=by)
    refused = {}
    for item in stranded:
        target = decisions[item.appointment.pk]
        if not isinstance(target, datetime):
            continue
        appointment = item.appointment
        try:
            reschedule(appointment, expected_version=appointment.version, start=target, by=by)
        except SlotTaken as taken:
            refused[appointment.pk] = taken.message
        except ValidationError as error:
            refused[appointment.pk] = " ".join(error.messages)
    if refused:
        raise _MovesRefused(refused)


def with_free_times(stranded: list[Stranded]) -> list[Stranded]:
    """The stranded appointments with the first free times for the same practitioner and service from
    each one's own day on (within the clinic's booking rules as the office applies them)."""
    now = timezone.now()
    offered = []
    for index, item in enumerate(stranded):
        if index >= MOVE_OFFERS_FOR:
            offered.append(item)
            continue
        appointment = item.appointment
        tz = appointment.clinic.tzinfo
        day_start = datetime.combine(appointment.start.astimezone(tz).date(), time(0), tzinfo=tz)
        slots = next_free_slots(
            appointment.clinic,
            appointment.service,
            appointment.practitioner,
            max(day_start, now),
            limit=MOVE_OFFERS,
            exclude_appointment_id=appointment.pk,
        )
        offered.append(replace(item, free_times=tuple(slot.start for slot in slots)))
    return offered
