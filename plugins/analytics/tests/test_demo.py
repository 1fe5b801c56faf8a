"""The reports on the demo organization: every module's demo data feeds them, the roll-up pass runs over
it, and roll-ups and live figures agree on it too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.tenancy.models import Clinic, Membership, Organization, Role
from plugins.analytics import rollup
from plugins.analytics.periods import Period
from plugins.analytics.report.build import build
from plugins.analytics.report.selection import Selection

from .test_rollup import strip


@pytest.mark.django_db
def test_demo_data_feeds_the_reports():
    call_command("seed_demo")
    with scopes_disabled():
        org = Organization.objects.get(slug="alpha-health")
        clinics = list(Clinic.objects.filter(organization=org, archived=False))
        owner = (
            Membership.objects.filter(organization=org, role=Role.OWNER).select_related("user").first().user
        )
    today = timezone.localdate()
    period = Period(today - timedelta(days=59), today)
    with scope(organization=org.pk):
        for clinic in clinics:
            rollup.recompute(clinic, Period(period.previous().first, period.last).each_day())
        base = {"organization_id": org.pk, "clinics": clinics, "period": period, "today": today}
        live = build(Selection(**base, force_live=True))
        rolled = build(Selection(**base))
    assert rolled.mode == "rollup"
    assert strip(rolled) == strip(live)
    values = {f["slug"]: f["value"] for s in live.sections for f in s["figures"]}
    assert values["appointments_booked"] > 0
    assert values["revenue_invoiced"] > 0
    assert values["inventory_stock_value"] > 0
    client = Client()
    client.force_login(owner)
    response = client.get(f"/office/c/{clinics[0].slug}/analytics/", {"period": "quarter"})
    assert response.status_code == 200
    assert "revenue_invoiced" in response.content.decode()
