"""Small value objects that hooks return. Kept free of Django imports so plugins can build them anywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ModuleInfo:
    slug: str
    label: str
    description: str = ""
    depends_on: tuple[str, ...] = ()
    default_enabled: bool = True


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    icon: str = "circle"
    order: int = 100
    permission: str | None = None
    permission_obj: Any = None


@dataclass(frozen=True)
class DashboardWidget:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class ScheduledTask:
    """A periodic job run once per clinic where the module is on.

    ``func`` is a dotted path to a function ``f(clinic_id: int) -> None``; ``minutes`` is the interval.
    """

    name: str
    func: str
    minutes: int
    module: str = ""


@dataclass(frozen=True)
class BillableItem:
    """Something an invoice line can be made from (a service, a product), with its price and tax."""

    kind: str
    reference: str
    label: str
    unit_price: Any
    currency: str
    tax_rate: Any = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Metric:
    """A figure analytics can show (docs/analytics.md).

    ``compute(clinic_ids, start, end, *, breakdown=None, tz=None, **filters)`` counts what happened at
    ``clinic_ids`` in ``[start, end)`` (aware datetimes; ``tz`` is the clinics' time zone, for grouping by
    local day or hour). Without ``breakdown`` it returns a number; with one of ``breakdowns`` (or ``"day"``
    for a ``sum``, keyed by ISO date) it returns ``[(key, label, value), ...]``. ``filters`` are the keyword
    filters it understands (``practitioner``, ``service``: ids).

    ``kind`` says how analytics may combine it: ``sum`` adds up over days and clinics, so it is rolled up
    per day; ``live`` (the default: distinct counts, rates over a period, anything not additive) is asked
    for the whole period each time;
    ``snapshot`` is the state right now (start and end are ignored); ``ratio`` has no ``compute`` and is
    ``ratio_of[0] / ratio_of[1] * scale`` of two ``sum`` metrics, over the same breakdowns. ``hidden``
    metrics only feed ratios. ``unit`` is ``count``, ``money``, ``percent``, ``hours`` or ``days``.

    ``visits`` (hidden) feeds analytics' roll-up of distinct patients: ``compute`` returns the completed
    visits ``[(patient_id, start), ...]`` at the clinics in ``[start, end)`` (``None`` bounds: all time). A
    ``live`` patient figure that this roll-up answers exactly names which with ``from_visits`` (``seen``,
    ``returning``, ``active``, ``retention``), and ``regroup(breakdown, counts)`` turns analytics' counts by
    a raw attribute (for ``age_band``: age in whole years at the period's last day, ``None`` if unknown)
    into the breakdown's ``[(key, label, value), ...]``.

    How the report lays it out: ``tables`` names the tables of its section it is a column of, by breakdown
    (``time``: by day or month; ``clinic``; or one of ``breakdowns``); ``column`` places it among a table's
    columns (lower first, equal ones as declared; the first column ranks the rows and sets the chart's
    unit). ``headline`` (1, 2, ...) puts a ``sum`` on the office dashboard's "this month so far" widget, in
    that order. ``choices_for`` names the report filters (``service``) whose choices are the keys of this
    metric's roll-up by that breakdown.
    """

    slug: str
    label: str
    unit: str
    compute: Any = None
    breakdowns: tuple[str, ...] = ()
    module: str = ""
    section: str = ""
    kind: str = "live"
    filters: tuple[str, ...] = ()
    ratio_of: tuple[str, str] | None = None
    scale: int = 1
    hidden: bool = False
    description: str = ""
    from_visits: str = ""
    regroup: Any = None
    tables: tuple[str, ...] = ()
    column: int = 0
    headline: int = 0
    choices_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpcomingAppointment:
    """A booked appointment as other modules see it (``clinic_upcoming_appointments``): plain values only.
    ``version`` and ``updated_at`` say when it last changed."""

    appointment_id: int
    version: int
    patient_id: int
    practitioner_name: str
    service_name: str
    start: Any
    end: Any
    updated_at: Any


@dataclass(frozen=True)
class AppointmentNow:
    """An appointment's status and version as they are now (``clinic_appointment_now``)."""

    status: str
    version: int


@dataclass(frozen=True)
class AppointmentFacts:
    """What another module may know about an appointment (``clinic_appointment_facts``): plain values."""

    appointment_id: int
    patient_id: int
    practitioner_id: int
    start: Any
    end: Any
    status: str
    service_name: str


@dataclass(frozen=True)
class ChartFact:
    """One group of facts in a patient chart's header strip (``clinic_patient_chart_header``).

    ``items`` are short texts ("Penicillin (severe)"); ``alert`` shows the group in red when it has any
    items; ``empty`` is what the header says when there are none ("No known allergies").
    """

    label: str
    items: tuple[str, ...] = ()
    alert: bool = False
    empty: str = ""
    order: int = 100
    shows: str = ""  # the access-log category these facts show about the patient (core.audit.vocabulary)


@dataclass(frozen=True)
class PatientSection:
    """A part of the patient page a module contributes (``clinic_patient_sections``): the patient's
    appointments, invoices with their balance, messages. ``template`` renders ``context``; ``order`` places
    it among the others. ``shows`` is the access-log category of patient data the section shows
    (``core.audit.vocabulary.Category``), left empty when it shows none (no rows): the patient page records
    an access for each category actually shown."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100
    shows: str = ""


@dataclass(frozen=True)
class SearchHit:
    """One result of the office search (``clinic_office_search``): what it is, where it opens, and a line
    that tells it apart ("Dec 6, 2026 · €90.00 due")."""

    label: str
    url: str
    details: str = ""


@dataclass(frozen=True)
class SearchGroup:
    """The results of one kind ("Invoices", "Appointments") a module found for the office search."""

    title: str
    hits: tuple[SearchHit, ...] = ()
    order: int = 100


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a patient's timeline (``clinic_patient_timeline_entries``).

    ``kind`` names the filter it belongs to (``encounter``, ``note``, ``appointment``, ``invoice``, ...);
    ``at`` is an aware datetime; ``struck`` shows it struck through (entered in error, cancelled).
    """

    kind: str
    kind_label: str
    at: Any
    title: str
    detail: str = ""
    url: str = ""
    struck: bool = False
    key: str = ""
    shows: str = ""  # the access-log category of the entry; the timeline records those on its page


@dataclass(frozen=True)
class AppointmentAction:
    """A button a module adds next to an appointment in scheduling's lists ("Start visit")."""

    label: str
    url: str
    method: str = "get"
    style: str = "secondary"


@dataclass(frozen=True)
class HeldRecords:
    """What a module keeps about one patient in one class of record (a class a country pack gives a
    retention period: ``clinical_record``, ``invoice``, ``appointment``, ``contact``)."""

    record_class: str
    label: str
    count: int
    last_activity: Any = None  # a date: the retention clock starts from the latest entry


@dataclass(frozen=True)
class ExportFile:
    """A document for the patient's data download: its path inside the ZIP and its bytes, read only
    when the ZIP is written."""

    name: str
    read: Any  # a callable returning bytes
