"""Profile one request of the benchmark in process: the floor, a bare view or a booking, through the
whole middleware stack and the API, as gunicorn runs it (``settings.bench``, a kept database connection).

Signs in the scenario's front-desk user of the busiest clinic (``var/bench/config-<dataset>.json``,
written by ``scripts/bench.py``), sends ``--requests`` requests one after another under cProfile and
prints, or writes to ``--out``: wall and CPU time per request, queries per request, and the functions
that took the time (cumulative and own). docs/profiles/ keeps the summaries behind docs/performance.md.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import random
import statistics
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client

SCENARIOS = ("bare_django", "bare_ninja", "floor", "booking")


class Command(BaseCommand):
    help = "Profile N requests of a benchmark scenario in process and print where the time went."

    def add_arguments(self, parser):
        parser.add_argument("scenario", choices=SCENARIOS)
        parser.add_argument("--config", type=Path, required=True, help="var/bench/config-<dataset>.json")
        parser.add_argument("--requests", type=int, default=200)
        parser.add_argument("--out", type=Path)
        parser.add_argument("--top", type=int, default=45)

    def handle(self, *args, scenario, config, requests, out, top, **options):
        facts = json.loads(config.read_text())
        person = facts["users"][0]
        client = Client(SERVER_NAME="127.0.0.1")
        if not scenario.startswith("bare"):
            response = client.post(
                "/accounts/login/", {"username": person["email"], "password": facts["password"]}
            )
            if response.status_code != 302:
                raise CommandError(f"could not sign in {person['email']}: {response.status_code}")
        send = getattr(self, scenario)
        for _ in range(20):  # warm: templates, URL resolvers, the connection, the session in the cache
            send(client, person["clinic"], facts)
        walls, cpus, queries, statuses = [], [], [], {}
        profiler = cProfile.Profile()
        for _ in range(requests):
            count = 0

            def counter(execute, sql, params, many, context):
                nonlocal count
                count += 1
                return execute(sql, params, many, context)

            wall, cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(counter):
                profiler.enable()
                status = send(client, person["clinic"], facts)
                profiler.disable()
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            queries.append(count)
            statuses[status] = statuses.get(status, 0) + 1
        text = io.StringIO()
        text.write(
            f"{scenario}: {requests} requests in process ({settings.SETTINGS_MODULE}), statuses {statuses}\n"
            f"wall ms per request: median {statistics.median(walls):.2f}, "
            f"CPU ms (this process, profiler on): median {statistics.median(cpus):.2f}, "
            f"queries: mean {statistics.mean(queries):.1f}\n\n"
        )
        for order in ("cumulative", "tottime"):
            text.write(f"--- top {top} by {order} ---\n")
            stats = pstats.Stats(profiler, stream=text)
            stats.strip_dirs().sort_stats(order).print_stats(top)
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text.getvalue())
        self.stdout.write(text.getvalue() if not out else text.getvalue().split("---", 1)[0])

    # --- the requests, as bench/locustfile.py sends them ----------------------------------------------------

    def bare_django(self, client, clinic, facts):
        return client.get("/bench/bare/django").status_code

    def bare_ninja(self, client, clinic, facts):
        return client.get("/bench/bare/ninja/clinic").status_code

    def floor(self, client, clinic, facts):
        return client.get(f"/api/v1/clinics/{clinic['id']}").status_code

    def booking(self, client, clinic, facts):
        day = date.fromisoformat(facts["today"]) + timedelta(days=random.randint(2, 120))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        local = datetime(day.year, day.month, day.day, 8) + timedelta(minutes=30 * random.randint(0, 19))
        payload = {
            "patient_id": random.choice(clinic["patients"]),
            "service_id": clinic["service"],
            "practitioner_id": random.choice(clinic["practitioners"]),
            "start": local.replace(tzinfo=ZoneInfo(clinic["timezone"])).isoformat(),
        }
        url = f"/api/v1/clinics/{clinic['id']}/scheduling/appointments"
        return client.post(url, payload, content_type="application/json").status_code
