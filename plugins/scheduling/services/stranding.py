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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from core.tenancy.models import Clinic

from .. import availability as av
from .. import selectors
from ..models import Appointment, Status
from .diary_locks import lock_diaries
from .status import cancel

T = TypeVar("T")

KEEP = "keep"
CANCEL = "cancel"
# Only appointments still ahead of the patient can be stranded; those already seen or cancelled cannot.
WAITING = (Status.BOOKED, Status.REQUESTED)
# Cutting weekly hours reaches every appointment ahead; this is how far ahead that is looked for.
FAR_FUTURE = timedelta(days=3650)


@dataclass(frozen=True)
class Stranded:
    appointment: Appointment
    why: str  # av.IN_TIME_OFF or av.OUTSIDE_HOURS


class StrandsAppointments(Exception):  # noqa: N818 - a decision to ask for, not a failure
    """The change would strand these appointments and nobody has said yet what to do with them;
    ``elsewhere`` more are stranded where the person may not decide (counted, not named)."""

    def __init__(self, stranded: list[Stranded], elsewhere: int = 0):
        super().__init__("stranded appointments")
        self.stranded = stranded
        self.elsewhere = elsewhere


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
    decisions: dict[int, str] | None = None,
    reason: str = "",
    by: Any = None,
    everywhere: bool = False,
    may_decide: Callable[[Appointment], bool] | None = None,
) -> tuple[T, list[Stranded]]:
    """Run ``change`` (which writes the new hours, time off or closure) for these practitioners, whose
    appointments between ``start`` and ``end`` it may strand.

    Appointments it newly strands need a decision each in ``decisions`` (appointment id → ``KEEP`` or
    ``CANCEL``); when one is missing, nothing is saved and ``StrandsAppointments`` lists them all. Those to
    cancel are cancelled by the clinic with ``reason``, so their patients are told. Returns what ``change``
    returned and the appointments it stranded that were decided on.

    With ``everywhere`` (time off), the practitioners' appointments at every clinic of the organization
    are looked at. ``may_decide`` says which of them the person may cancel; the others stay booked, and
    are only counted on the list (which is then shown even when nothing else needs deciding).
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
        undecided = any(decisions.get(s.appointment.pk) not in (KEEP, CANCEL) for s in stranded)
        if undecided or (elsewhere and not confirmed):
            raise StrandsAppointments(stranded, elsewhere)  # leaving the block rolls the change back
        for item in stranded:
            if decisions[item.appointment.pk] == CANCEL:
                cancel(item.appointment, by_patient=False, reason=reason, by=by)
    return result, stranded
