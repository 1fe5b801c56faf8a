"""Time the analytics dashboard as an organization's owner sees it, with its queries by part, e.g. on the
benchmark's dataset (docs/analytics.md, "Speed"):

    manage.py analytics_timing --organization 1 --period 30d --period year --repeat 5 [--uncached]
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict

from django.core.cache import cache
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from core.management.base import TenantCommand
from core.tenancy.models import Clinic, Membership, Role
from plugins.analytics import catalog

PARTS = (
    ("roll-up sums", ("analytics_dailyfigure", "analytics_monthlyfigure")),
    ("distinct patients", ("analytics_patientvisits", "analytics_visithistory")),
    ("coverage", ("analytics_rolledday",)),
)


def _part(sql: str) -> str:
    """Analytics' own reads by what they are for; a contributing module's tables are its live metrics."""
    for name, tables in PARTS:
        if any(t in sql for t in tables):
            return name
    modules = sorted({m.module for m in catalog.all_metrics().values() if m.module != "analytics"})
    for module in modules:
        if f"{module}_" in sql:
            return f"live: {module}"
    return "request, filter"


class Command(TenantCommand):
    help = "Time the analytics dashboard of an organization's owner (warm), with its queries by part."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--period", action="append", default=None, help="30d, month, quarter, year…")
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument(
            "--uncached", action="store_true", help="empty the cache before each request (roll-up reads)"
        )

    def handle_organization(self, organization, **options):
        owner = (
            Membership.objects.filter(organization=organization, role=Role.OWNER)
            .select_related("user")
            .first()
        )
        clinic = Clinic.objects.filter(organization=organization, archived=False).first()
        if owner is None or clinic is None:
            raise CommandError("No owner or clinic in that organization.")
        try:
            setup_test_environment()  # the client's host name, and the rendered context for the report
        except RuntimeError:
            pass  # already set up (run from the test suite)
        client = Client()
        client.force_login(owner.user)
        url = f"/office/c/{clinic.slug}/analytics/"
        for period in options["period"] or ["30d"]:
            times, parts = [], defaultdict(lambda: [0, 0.0])
            for n in range(options["repeat"] + 1):
                log = []

                def record(execute, sql, params, many, context, log=log):
                    began = time.perf_counter()
                    try:
                        return execute(sql, params, many, context)
                    finally:
                        log.append((sql, time.perf_counter() - began))

                if options["uncached"]:
                    cache.clear()
                began = time.perf_counter()
                with connection.execute_wrapper(record):
                    response = client.get(url, {"period": period})
                elapsed = time.perf_counter() - began
                if response.status_code != 200:
                    raise CommandError(f"{period}: answered {response.status_code}")
                if n == 0:
                    continue  # the first request warms the caches shared by every page
                times.append(elapsed)
                for sql, seconds in log:
                    parts[_part(sql)][0] += 1
                    parts[_part(sql)][1] += seconds
            report = response.context["report"]
            runs = len(times)
            self.stdout.write(
                f"{period}: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, "
                f"{sum(p[0] for p in parts.values()) // runs} queries, {report.mode} "
                f"({report.freshness.get('reason') or 'covered'}), {len(report.selection.clinics)} clinics"
            )
            for name, (count, seconds) in sorted(parts.items(), key=lambda item: -item[1][1]):
                self.stdout.write(f"    {name:18} {count // runs:3} queries {seconds / runs * 1000:7.1f} ms")
