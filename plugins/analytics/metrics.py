"""Analytics' own figure from the core's patient records: patients registered at a clinic."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.patients.models import PatientClinic
from core.plugins.types import Metric


def registered(clinic_ids, start, end, *, breakdown=None, tz=None, **_):
    """Patients linked to these clinics in the period (new registrations and patients newly seen here)."""
    links = PatientClinic.objects.filter(
        clinic_id__in=list(clinic_ids), created_at__gte=start, created_at__lt=end
    )
    if breakdown is None:
        return links.count()
    if breakdown == "day":
        day = TruncDate("created_at", tzinfo=tz or timezone.get_current_timezone())
        rows = links.annotate(d=day).values("d").annotate(n=Count("id")).order_by("d")
        return [(r["d"].isoformat(), r["d"].isoformat(), r["n"]) for r in rows]
    raise ValueError(f"unknown breakdown {breakdown!r}")


def metrics() -> list[Metric]:
    return [
        Metric(
            "patients_registered",
            _("Registered at the clinic"),
            "count",
            registered,
            (),
            "analytics",
            "patients",
            description=_("Patient records linked to the clinic in the period."),
            kind="sum",
        )
    ]
