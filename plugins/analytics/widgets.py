"""The office dashboard's widget: this month so far at the clinic, read from the roll-ups (one query).

Its figures are the metrics the modules mark as headlines (``Metric.headline``), each shown where the
member's role opens its section.
"""

from __future__ import annotations

from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.plugins.types import DashboardWidget
from core.tenancy.models import Clinic

from . import catalog
from .access import sections_for
from .models import DailyFigure


def month_so_far(request: HttpRequest, clinic: Clinic) -> list[DashboardWidget]:
    user = request.user
    if not user.has_perm("analytics.view_operations", clinic):
        return []
    today = timezone.now().astimezone(clinic.tzinfo).date()
    sections = sections_for(user, [clinic])
    headlines = sorted(
        (m for m in catalog.all_metrics().values() if m.headline and m.section in sections),
        key=lambda m: m.headline,
    )
    totals = dict(
        DailyFigure.objects.filter(
            organization_id=clinic.organization_id,
            breakdown="",
            clinic=clinic,
            day__gte=today.replace(day=1),
            day__lte=today,
            metric__in=[m.slug for m in headlines],
        )
        .values("metric")
        .annotate(v=Sum("value"))
        .values_list("metric", "v")
    )
    figures = [{"label": m.label, "unit": m.unit, "value": totals.get(m.slug) or 0} for m in headlines]
    return [
        DashboardWidget(
            _("This month so far"),
            "analytics/widget_month.html",
            {"clinic": clinic, "figures": figures},
            order=60,
        )
    ]
