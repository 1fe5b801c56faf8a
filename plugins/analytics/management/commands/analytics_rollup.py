"""Fill or refresh the analytics roll-ups now, instead of waiting for the periodic pass (which fills in
``BACKFILL_PER_RUN`` days a run): after an import, a restore, or for a new installation.

    manage.py analytics_rollup                       # every clinic, the last BACKFILL_DAYS days
    manage.py analytics_rollup --organization 7 --days 730
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import translation
from django_scopes import scope, scopes_disabled

from core.plugins.gating import is_module_enabled
from core.tenancy.models import Clinic
from plugins.analytics import rollup, visits


class Command(BaseCommand):
    help = "Compute the analytics roll-ups of every clinic (or one organization's) for the last days."

    def add_arguments(self, parser):
        parser.add_argument("--organization", type=int, default=None, help="only this organization (id)")
        parser.add_argument("--days", type=int, default=rollup.BACKFILL_DAYS, help="how many days back")

    def handle(self, *args, **options):
        # scopes_disabled: an operator command walks every clinic by id; each is rolled up in its own scope.
        with scopes_disabled():
            clinics = Clinic.objects.filter(archived=False).select_related("organization").order_by("pk")
            if options["organization"]:
                clinics = clinics.filter(organization_id=options["organization"])
            clinics = list(clinics)
        started = time.monotonic()
        for clinic in clinics:
            # As the periodic task does: labels are stored in the clinic's language.
            with scope(organization=clinic.organization_id), translation.override(clinic.locale):
                if not is_module_enabled(clinic, "analytics"):
                    continue
                began = time.monotonic()
                filled = visits.fill(clinic)
                today = rollup.local_today(clinic)
                days = [today - timedelta(days=n) for n in range(-1, options["days"] + 1)]
                rows = rollup.recompute(clinic, days)
                self.stdout.write(
                    f"  {clinic.name}: {len(days)} days, {rows} rows, {filled} visits "
                    f"in {time.monotonic() - began:.1f} s"
                )
        self.stdout.write(
            self.style.SUCCESS(f"Rolled up {len(clinics)} clinics in {time.monotonic() - started:.0f} s")
        )
