"""Container health checks without an HTTP client in the image.

``manage.py healthcheck worker`` succeeds while a django-q2 cluster on this host (the worker container)
saves heartbeats; ``manage.py healthcheck ready`` runs the same checks as /readyz.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.health import checks


class Command(BaseCommand):
    help = "Exit non-zero unless this process's dependencies are healthy (for container health checks)."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["worker", "ready"])
        parser.add_argument(
            "--any-host",
            action="store_true",
            help="worker: accept a heartbeat from any host, not only this one",
        )

    def handle(self, *args, what: str, any_host: bool, **options):
        if what == "worker":
            host = None if any_host else checks.this_host()
            suite = {"database": checks.check_database, "worker": lambda: checks.check_worker(host)}
        else:
            suite = checks.READINESS
        results = checks.run(suite)
        for result in results:
            self.stdout.write(f"{result.name}: {'ok' if result.ok else 'FAIL'} {result.detail}")
        failing = [r.name for r in results if not r.ok]
        if failing:
            raise CommandError(f"unhealthy: {', '.join(failing)}")
