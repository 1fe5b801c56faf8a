"""Figures about patients: the new, the seen (by age band), the returning, the active, and how many came
back. ``completed_visits`` feeds analytics' own per-patient history, which reproduces these definitions."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from core.plugins.types import Metric

from ..models import Appointment, Status
from .common import FILTERS, appointments_in, counted, zone_or_current

RETENTION_MONTHS = 6
ACTIVE_MONTHS = 12
AGE_BANDS = ((0, 17), (18, 34), (35, 49), (50, 64), (65, None))


def _completed(clinic_ids, start, end, practitioner=None, service=None):
    return appointments_in(clinic_ids, start, end, practitioner, service).filter(status=Status.COMPLETED)


def _earlier_visit():
    return Appointment.objects.filter(
        patient_id=OuterRef("patient_id"), status=Status.COMPLETED, start__lt=OuterRef("start")
    )


def new_patients(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Patients whose first completed visit in the organization took place here in the period."""
    qs = _completed(clinic_ids, start, end, practitioner, service).filter(~Exists(_earlier_visit()))
    return counted(qs, breakdown, tz, distinct_patients=True)


def seen(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Distinct patients with a completed visit in the period (by age band at the end of the period)."""
    qs = _completed(clinic_ids, start, end, practitioner, service)
    if breakdown != "age_band":
        return counted(qs, breakdown, tz, distinct_patients=True)
    on = (end - timedelta(microseconds=1)).astimezone(zone_or_current(tz)).date()
    counts: dict[str, int] = defaultdict(int)
    for _patient, born in qs.values_list("patient_id", "patient__date_of_birth").distinct().order_by():
        counts[_band(born, on)] += 1
    order = [_band_key(low, high) for low, high in AGE_BANDS] + ["unknown"]
    return [(key, _band_label(key), counts[key]) for key in order if counts.get(key)]


def _band(born, on) -> str:
    if born is None:
        return "unknown"
    return _band_of_age(on.year - born.year - ((on.month, on.day) < (born.month, born.day)))


def _band_of_age(age: int | None) -> str:
    if age is None:
        return "unknown"
    for low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return _band_key(low, high)
    return "unknown"


def _band_key(low, high) -> str:
    return f"{low}-{high}" if high is not None else f"{low}+"


def _band_label(key: str) -> str:
    return str(_("Unknown")) if key == "unknown" else key


def returning(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Patients seen in the period who had a completed visit before it."""
    before = Appointment.objects.filter(
        patient_id=OuterRef("patient_id"), status=Status.COMPLETED, start__lt=start
    )
    qs = _completed(clinic_ids, start, end, practitioner, service).filter(Exists(before))
    return counted(qs, breakdown, tz, distinct_patients=True)


def active(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Distinct patients with a completed visit in the twelve months up to the end of the period."""
    qs = _completed(clinic_ids, end - timedelta(days=365), end, practitioner, service)
    return counted(qs, breakdown, tz, distinct_patients=True)


def retention(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, service=None, **_):
    """Of the patients seen in the six months before the period, the share who came back in it (%)."""
    earlier = _completed(clinic_ids, start - timedelta(days=182), start, practitioner, service)
    base = earlier.values("patient_id").distinct().order_by()
    total = base.count()
    if not total:
        return Decimal("0")
    again = Appointment.objects.filter(
        patient_id=OuterRef("patient_id"),
        clinic_id__in=list(clinic_ids),
        status=Status.COMPLETED,
        start__gte=start,
        start__lt=end,
    )
    if practitioner:
        again = again.filter(practitioner_id=practitioner)
    if service:
        again = again.filter(service_id=service)
    came_back = earlier.filter(Exists(again)).values("patient_id").distinct().order_by().count()
    return (Decimal(came_back) * 100 / Decimal(total)).quantize(Decimal("0.1"))


def completed_visits(clinic_ids, start=None, end=None, **_):
    """The completed visits at these clinics in ``[start, end)`` (all of them without bounds), as
    ``(patient_id, start)``: what analytics keeps per clinic and patient to count distinct patients."""
    qs = Appointment.objects.filter(clinic_id__in=list(clinic_ids), status=Status.COMPLETED)
    if start is not None:
        qs = qs.filter(start__gte=start)
    if end is not None:
        qs = qs.filter(start__lt=end)
    return list(qs.values_list("patient_id", "start").order_by())


def by_age_band(breakdown, counts) -> list:
    """Patients counted by age in whole years (``None``: unknown) into the age bands, in their order."""
    if breakdown != "age_band":
        raise ValueError(f"unknown breakdown {breakdown!r}")
    bands: dict[str, int] = defaultdict(int)
    for age, n in counts.items():
        bands[_band_of_age(age)] += n
    order = [_band_key(low, high) for low, high in AGE_BANDS] + ["unknown"]
    return [(key, _band_label(key), bands[key]) for key in order if bands.get(key)]


def patient_metrics() -> list[Metric]:
    m = "scheduling"
    return [
        Metric(
            "patients_new",
            _("New patients"),
            "count",
            new_patients,
            (),
            m,
            "patients",
            filters=FILTERS,
            description=_("Patients whose first completed visit took place in the period."),
            kind="sum",
            tables=("time", "clinic"),
            headline=2,
        ),
        Metric(
            "patients_visits",
            _("Completed visits"),
            "count",
            completed_visits,
            (),
            m,
            "patients",
            hidden=True,
            kind="visits",
        ),
        Metric(
            "patients_seen",
            _("Patients seen"),
            "count",
            seen,
            ("age_band",),
            m,
            "patients",
            kind="live",
            from_visits="seen",
            regroup=by_age_band,
            filters=FILTERS,
            tables=("clinic", "age_band"),
        ),
        Metric(
            "patients_returning",
            _("Returning patients"),
            "count",
            returning,
            (),
            m,
            "patients",
            kind="live",
            from_visits="returning",
            filters=FILTERS,
            description=_("Patients seen in the period who had been seen before."),
            tables=("clinic",),
        ),
        Metric(
            "patients_active",
            _("Active patients"),
            "count",
            active,
            (),
            m,
            "patients",
            kind="live",
            from_visits="active",
            filters=FILTERS,
            description=_("Patients seen in the twelve months up to the end of the period."),
            tables=("clinic",),
        ),
        Metric(
            "patients_retention",
            _("Retention"),
            "percent",
            retention,
            (),
            m,
            "patients",
            kind="live",
            from_visits="retention",
            filters=FILTERS,
            description=_(
                "Of the patients seen in the six months before the period, the share who returned."
            ),
        ),
    ]
