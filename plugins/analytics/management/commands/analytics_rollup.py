"""Fill or refresh the analytics roll-ups now, instead of waiting for the periodic pass (which fills in
``BACKFILL_PER_RUN`` days a run): after an import, a restore, or for a new installation.

    manage.py analytics_rollup                       # every clinic, the last BACKFILL_DAYS days
    manage.py analytics_rollup --organization 7 --days 730 --jobs 4   # four clinics at a time
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import translation
from django_scopes import scope, scopes_disabled

from core.tenancy.models import Clinic
from core.tenancy.modules import is_module_enabled
from plugins.analytics import rollup, visits


# Not a TenantCommand: it fills clinics of every organization several at a time in forked processes, each
# clinic in its own scope; the organization-by-organization loop would serialise that work.
class Command(BaseCommand):
    help = "Compute the analytics roll-ups of every clinic (or one organization's) for the last days."

    def add_arguments(self, parser):
        parser.add_argument("--organization", type=int, default=None, help="only this organization (id)")
        parser.add_argument("--days", type=int, default=rollup.BACKFILL_DAYS, help="how many days back")
        parser.add_argument(
            "--jobs", type=int, default=1, help="how many clinics at a time, each in a process of its own"
        )

    def handle(self, *args, **options):
        if options["jobs"] < 1:
            raise CommandError("--jobs must be at least 1.")
        # scopes_disabled: an operator command walks every clinic by id; each is rolled up in its own scope.
        with scopes_disabled():
            clinics = Clinic.objects.filter(archived=False).order_by("pk")
            if options["organization"]:
                clinics = clinics.filter(organization_id=options["organization"])
            ids = list(clinics.values_list("pk", flat=True))
        started = time.monotonic()
        jobs = min(options["jobs"], len(ids)) or 1
        if jobs == 1:
            for line in roll_up(ids, options["days"]):
                self.stdout.write(line)
        else:
            # Forked children inherit the loaded project; each opens its own database connection and
            # takes the next clinic when done with one, so each line is written as its clinic finishes.
            connections.close_all()
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for lines in pool.imap_unordered(_roll_up_one, [(pk, options["days"]) for pk in ids]):
                    for line in lines:
                        self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(f"Rolled up {len(ids)} clinics in {time.monotonic() - started:.0f} s")
        )


def _roll_up_one(task) -> list[str]:
    clinic_id, days = task
    try:
        return list(roll_up([clinic_id], days))
    finally:
        # Disconnect cleanly: the pool ends its processes with a signal, which would leave the database
        # to notice the closed sockets later.
        connections.close_all()


def roll_up(clinic_ids, days_back: int):
    """Roll up each clinic (its visits from history, then the last ``days_back`` days, tomorrow and
    today) and say how it went, one line per clinic."""
    # scopes_disabled: the operator's clinics by id, from any organization; each is rolled up in its scope.
    with scopes_disabled():
        clinics = list(Clinic.objects.filter(pk__in=clinic_ids).select_related("organization").order_by("pk"))
    for clinic in clinics:
        # As the periodic task does: labels are stored in the clinic's language.
        with scope(organization=clinic.organization_id), translation.override(clinic.locale):
            if not is_module_enabled(clinic, "analytics"):
                continue
            began = time.monotonic()
            filled = visits.fill(clinic)
            today = rollup.local_today(clinic)
            days = [today - timedelta(days=n) for n in range(-1, days_back + 1)]
            rows = rollup.recompute(clinic, days)
            yield (
                f"  {clinic.name}: {len(days)} days, {rows} rows, {filled} visits "
                f"in {time.monotonic() - began:.1f} s"
            )
