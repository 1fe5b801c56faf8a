"""The office dashboard's widget: this month so far at the clinic, read from the roll-ups (one query)."""

from __future__ import annotations

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.plugins.types import DashboardWidget

from .models import DailyFigure

SLUGS = {
    "appointments_booked": "appointments",
    "patients_new": "new_patients",
    "revenue_invoiced": "invoiced",
}


def month_so_far(request, clinic) -> list[DashboardWidget]:
    user = request.user
    if not user.has_perm("analytics.view_operations", clinic):
        return []
    today = timezone.now().astimezone(clinic.tzinfo).date()
    wanted = ["appointments_booked", "patients_new"]
    if user.has_perm("analytics.view_revenue", clinic):
        wanted.append("revenue_invoiced")
    totals = dict(
        DailyFigure.objects.filter(
            organization_id=clinic.organization_id,
            breakdown="",
            clinic=clinic,
            day__gte=today.replace(day=1),
            day__lte=today,
            metric__in=wanted,
        )
        .values("metric")
        .annotate(v=Sum("value"))
        .values_list("metric", "v")
    )
    figures = {SLUGS[slug]: totals.get(slug) or 0 for slug in wanted}
    return [
        DashboardWidget(
            _("This month so far"),
            "analytics/widget_month.html",
            {"clinic": clinic, "figures": figures},
            order=60,
        )
    ]
