"""Changes to when practitioners work that would leave booked patients where nobody sees them.

Adding time off or a closure, or cutting working hours, can strand appointments already booked: they then
lie inside time off or a closure, or outside their practitioner's working hours. Such a change is never
saved silently. It is tried inside a transaction, the appointments it would strand are found with the
availability engine's own notion of working time, and unless the person has said what to do with each of
them the whole transaction is rolled back and they are listed for a decision. Once decided, the change is
tried again from scratch, so what is saved is what was decided on.
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
    """The change would strand these appointments and nobody has said yet what to do with them."""

    def __init__(self, stranded: list[Stranded]):
        super().__init__("stranded appointments")
        self.stranded = stranded


def waiting_appointments(
    clinic: Clinic, practitioner_ids: Iterable[int], start: datetime, end: datetime
) -> list[Appointment]:
    """The clinic's booked or requested appointments of these practitioners overlapping ``[start, end)``
    and not yet over, locked until this transaction ends so none changes while the decision is applied."""
    start = max(start, timezone.now())
    return list(
        Appointment.objects.select_for_update(of=("self",))
        .filter(
            organization_id=clinic.organization_id,
            clinic=clinic,
            practitioner_id__in=list(practitioner_ids),
            status__in=WAITING,
            start__lt=end,
            end__gt=start,
        )
        .select_related("patient", "service", "practitioner__user")
        .order_by("start", "id")
    )


def stranded_among(clinic: Clinic, appointments: list[Appointment]) -> list[Stranded]:
    """Which of ``appointments`` lie where their practitioner is not working, read as the availability
    engine and the calendar read it (working hours, time off and closures of the clinic)."""
    if not appointments:
        return []
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
) -> tuple[T, list[Stranded]]:
    """Run ``change`` (which writes the new hours, time off or closure) for these practitioners, whose
    appointments between ``start`` and ``end`` it may strand.

    Appointments it newly strands need a decision each in ``decisions`` (appointment id → ``KEEP`` or
    ``CANCEL``); when one is missing, nothing is saved and ``StrandsAppointments`` lists them all. Those to
    cancel are cancelled by the clinic with ``reason``, so their patients are told. Returns what ``change``
    returned and the appointments it stranded.
    """
    practitioner_ids = sorted(set(practitioner_ids))
    decisions = decisions or {}
    with transaction.atomic():
        # New bookings for these diaries wait until this change is saved or dropped, so none can slip
        # into the time being taken away between the check and the save.
        lock_diaries(practitioner_ids)
        appointments = waiting_appointments(clinic, practitioner_ids, start, end)
        already = {s.appointment.pk for s in stranded_among(clinic, appointments)}
        result = change()
        stranded = [s for s in stranded_among(clinic, appointments) if s.appointment.pk not in already]
        if any(decisions.get(s.appointment.pk) not in (KEEP, CANCEL) for s in stranded):
            raise StrandsAppointments(stranded)  # leaving the block rolls the change back
        for item in stranded:
            if decisions[item.appointment.pk] == CANCEL:
                cancel(item.appointment, by_patient=False, reason=reason, by=by)
    return result, stranded
