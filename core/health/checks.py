"""What /readyz checks: the database answers, every migration is applied, a task worker is alive.

The worker check reads django-q2's own cluster heartbeat: every running ``qcluster`` saves a status
record (``django_q.status.Stat``) to the Django cache every ``guard_cycle`` (0.5 s) with a 3-second
expiry. A record that is present, not "Stopping"/"Stopped", and younger than
``EHR_WORKER_HEARTBEAT_MAX_AGE`` seconds means a cluster is alive. For the web tier to see the workers'
heartbeats the cache must be shared between processes and containers: settings.prod uses the database
cache table (``manage.py createcachetable``), a Redis cache works the same way.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation


class CheckFailed(Exception):
    pass


@dataclass
class Result:
    name: str
    ok: bool
    detail: str = ""

    def as_dict(self) -> dict:
        return {"ok": self.ok, "detail": self.detail}


_migrations_applied = False  # once true, it stays true for this process


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "reachable"


def check_migrations() -> str:
    global _migrations_applied
    if _migrations_applied:
        return "all applied"
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        more = f" and {len(plan) - 5} more" if len(plan) > 5 else ""
        raise CheckFailed(f"{len(plan)} unapplied migration(s): {names}{more}")
    _migrations_applied = True
    return "all applied"


def heartbeat_max_age() -> int:
    return int(getattr(settings, "EHR_WORKER_HEARTBEAT_MAX_AGE", 30))


def worker_heartbeats(host: str | None = None) -> list:
    """Live django-q2 clusters (optionally only those running on ``host``), newest first."""
    from django_q.conf import Conf
    from django_q.status import Stat

    max_age = heartbeat_max_age()
    now = timezone.now()
    # Statuses are translatable strings: compare them in one language, whatever the request's.
    with translation.override(settings.LANGUAGE_CODE):
        stopped = {str(Conf.STOPPING), str(Conf.STOPPED)}
        alive = [
            stat
            for stat in Stat.get_all()
            if str(stat.status) not in stopped
            and (now - stat.timestamp).total_seconds() <= max_age
            and (host is None or stat.host == host)
        ]
    return sorted(alive, key=lambda stat: stat.timestamp, reverse=True)


def check_worker(host: str | None = None) -> str:
    alive = worker_heartbeats(host)
    if not alive:
        where = f" on {host}" if host else ""
        raise CheckFailed(f"no task worker heartbeat{where} in the last {heartbeat_max_age()} s")
    age = (timezone.now() - alive[0].timestamp).total_seconds()
    return f"{len(alive)} cluster(s) alive, last heartbeat {age:.1f} s ago"


def run(checks: dict) -> list[Result]:
    """Run ``{name: callable}`` in order; once the database is down the rest are not attempted."""
    results = []
    database_down = False
    for name, func in checks.items():
        if database_down:
            results.append(Result(name, False, "not checked: database unreachable"))
            continue
        try:
            results.append(Result(name, True, func()))
        except Exception as error:  # a health check reports every failure, whatever its kind
            results.append(Result(name, False, f"{type(error).__name__}: {error}"[:300]))
            if name == "database":
                database_down = True
    return results


READINESS = {"database": check_database, "migrations": check_migrations, "worker": check_worker}


def this_host() -> str:
    return socket.gethostname()
