"""The operators' commands: fill the roll-ups at once, and time the dashboard."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope

from plugins.analytics.models import PatientAllVisits, PatientVisits, RolledDay, VisitHistory


@pytest.mark.django_db
def test_analytics_rollup_fills_the_days_and_the_visit_history(month):
    org = month.tenant.org
    out = io.StringIO()
    call_command("analytics_rollup", "--organization", str(org.pk), "--days", "3", stdout=out)
    assert "Rolled up 2 clinics" in out.getvalue()
    with scope(organization=org.pk):
        today = timezone.now().astimezone(month.a.tzinfo).date()
        days = set(
            RolledDay.objects.filter(clinic=month.a, computed_at__isnull=False).values_list("day", flat=True)
        )
        assert {today + timedelta(days=n) for n in range(-3, 2)} <= days
        assert VisitHistory.objects.filter(organization=org).count() == 2
        # The whole history, not only the days asked for: March's completed visits are in.
        assert PatientVisits.objects.filter(organization=org).count() >= 2
        assert PatientAllVisits.objects.filter(organization=org).count() >= 2


@pytest.mark.django_db
def test_analytics_timing_reports_time_and_queries_by_part(month):
    org = month.tenant.org
    call_command("analytics_rollup", "--organization", str(org.pk), "--days", "60", stdout=io.StringIO())
    out = io.StringIO()
    call_command("analytics_timing", "--organization", str(org.pk), "--repeat", "1", "--uncached", stdout=out)
    text = out.getvalue()
    assert text.startswith("30d: median ")
    assert "rollup (covered), 2 clinics" in text
    assert "distinct patients" in text and "roll-up sums" in text
