"""The operators' commands: fill the roll-ups at once, and time the dashboard."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_scopes import scope

from plugins.analytics.models import DailyFigure, PatientAllVisits, PatientVisits, RolledDay, VisitHistory


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


def _rolled_up(org) -> tuple:
    with scope(organization=org.pk):
        return (
            sorted(PatientAllVisits.objects.filter(organization=org).values_list("patient_id", "starts")),
            sorted(
                PatientVisits.objects.filter(organization=org).values_list(
                    "clinic_id", "patient_id", "starts"
                )
            ),
            sorted(
                DailyFigure.objects.filter(organization=org).values_list(
                    "clinic_id", "day", "metric", "key", "value"
                )
            ),
        )


def run_as_operator(*args: str) -> str:
    """Run a management command as an operator does: in a process of its own, on this test's (committed)
    database. Forking the test process itself would hand the children whatever connections earlier tests
    in it left open."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = (
        f"postgresql://{login}@/{db['NAME']}?host={host}"
        if host.startswith("/")
        else f"postgresql://{login}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "settings.test"}
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.django_db(transaction=True)
def test_analytics_rollup_in_several_processes_gives_what_one_gives(month):
    """Clinics rolled up at once in forked processes (their own connections, committed data) share the
    patients' all-clinic visits: each patient's row still holds every clinic's visits."""
    org = month.tenant.org
    out = run_as_operator("analytics_rollup", "--organization", str(org.pk), "--days", "40", "--jobs", "2")
    assert "Rolled up 2 clinics" in out
    assert out.count(" visits in ") == 2  # a line from each process
    parallel = _rolled_up(org)
    assert parallel[0] and parallel[2]
    call_command("analytics_rollup", "--organization", str(org.pk), "--days", "40", stdout=io.StringIO())
    assert _rolled_up(org) == parallel
    shared = {p for _c, p, _s in parallel[1] if sum(1 for _c2, p2, _s2 in parallel[1] if p2 == p) > 1}
    assert shared  # the test data has patients seen at both clinics


def test_analytics_rollup_refuses_no_jobs():
    with pytest.raises(CommandError, match="--jobs"):
        call_command("analytics_rollup", "--jobs", "0")
