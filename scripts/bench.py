"""`make bench`: generate the datasets, start the product the production way, load it, report figures.

For each dataset (1% and full size) it creates the database if needed (migrate + seed_scale, kept between
runs), starts gunicorn with several workers and a django-q2 cluster on loopback, runs every scenario with
locust (headless), and records requests, errors, throughput, p50/p95/p99 latency and database queries per
request. It prints a table, writes var/bench/results.json, and with --write-docs the table in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import csv
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from database import ROOT, ensure_database_url  # noqa: E402

BIN = Path(sys.executable).parent
OUT = ROOT / "var" / "bench"
PASSWORD = "bench-pass-2026"
# scenario: (concurrent users, seconds). Latency scenarios run one client per core, so the figures are
# response times rather than queueing; booking runs 8 clients at once, as its budget says.
SCENARIOS = {
    # The stack's own floor: a plain Django view and a django-ninja operation that do no work, called
    # anonymously (bench/bare.py, served by settings.bench only); then the product's floor, signed in.
    "bare_django": (2, 20),
    "bare_ninja": (2, 20),
    "floor": (2, 20),
    "availability_month": (2, 20),
    "availability_any_week": (2, 20),
    "booking": (8, 20),
    # The same 8 clients, each booking about once a second (bench/locustfile.py); 40 s for ~300 requests.
    "booking_paced": (8, 40),
    "calendar_week": (2, 20),
    "today_list": (2, 20),
    "patient_search": (2, 20),
    "patient_detail": (2, 20),
    "portal_home_cached": (2, 20),
    "portal_home_uncached": (2, 20),
    "portal_booking": (2, 20),
    # A new patient's whole way in (bench/locustfile.py): register, confirm the email, free times, book.
    "portal_signup_booking": (2, 30),
    "invoice_issue": (2, 20),
    "outstanding_list": (2, 20),
    "invoice_pdf": (1, 40),  # not a load: N renders in the worker's code path, timed one by one
    "analytics_dashboard": (2, 20),
    "chart_open": (2, 20),
    "note_open": (2, 20),
    # The owner's audit viewer: its first page, unfiltered, then filtered by one patient.
    "audit_viewer": (2, 20),
}
# Run in a management command rather than over HTTP (the second number is how many invoices).
WORKER_SCENARIOS = {"invoice_pdf"}
ANALYTICS_URL = "/office/c/{slug}/analytics/"


def analytics_built() -> bool:
    """The analytics module is optional here: its scenario runs once the module exists."""
    return (ROOT / "plugins" / "analytics" / "views.py").exists()


DATASETS = {"small": 0.01, "large": 1.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cache() -> subprocess.Popen | None:
    """The cache the product shares between its processes in production: a Redis of the run's own,
    in memory only, unless ``REDIS_URL`` names one. Every process of the run reads ``REDIS_URL``."""
    if os.environ.get("REDIS_URL"):
        return None
    import redis

    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for _ in range(100):
        with contextlib.suppress(redis.ConnectionError):
            client.ping()
            return server
        time.sleep(0.05)
    server.kill()
    raise SystemExit("redis-server did not start")


def run(cmd, env, check=True, **kwargs):
    return subprocess.run(cmd, cwd=ROOT, env=env, check=check, **kwargs)


# The databases' names start with this (BENCH_DATABASE_PREFIX sets another, so that two checkouts on one
# PostgreSQL keep their datasets apart).
PREFIX = os.environ.get("BENCH_DATABASE_PREFIX", "ehr_bench")
# A migrated, empty database each dataset's database is copied from, so a fresh run migrates once.
TEMPLATE = f"{PREFIX}_template"


def database_url(base_url: str, name: str) -> str:
    query = "?" + base_url.split("?", 1)[1] if "?" in base_url else ""
    return base_url.split("?", 1)[0].rsplit("/", 1)[0] + f"/{name}" + query


def bench_env(base_url: str, name: str) -> dict:
    url = database_url(base_url, name)
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "settings.bench"}


def database_env(base_url: str, name: str, timings: dict) -> dict:
    """The environment of a dataset's database; a missing one is copied from the migrated template."""
    import psycopg

    with psycopg.connect(database_url(base_url, "postgres"), autocommit=True) as conn:

        def exists(database: str) -> bool:
            return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone())

        if not exists(name):
            if not exists(TEMPLATE):
                conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
            with timed(timings, "migrate template"):  # quick when it is up to date
                run(
                    [str(BIN / "python"), "manage.py", "migrate", "--no-input", "-v0"],
                    bench_env(base_url, TEMPLATE),
                )
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return bench_env(base_url, name)


def prepare(env: dict, scale: float, timings: dict) -> None:
    """Migrate, collect static files and, on an empty database, generate the dataset; each step timed."""
    with timed(timings, "migrate"):
        run([str(BIN / "python"), "manage.py", "migrate", "--no-input", "-v0"], env)
    with timed(timings, "collectstatic"):
        run([str(BIN / "python"), "manage.py", "collectstatic", "--no-input", "-v0"], env)
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        seeded = conn.execute(
            "SELECT count(*) FROM tenancy_organization WHERE slug LIKE 'bench-org-%%'"
        ).fetchone()[0]
    if seeded:
        print("  dataset kept from an earlier run (drop the database to generate it again)", flush=True)
        return
    with timed(timings, "seed_scale"):
        run([str(BIN / "python"), "manage.py", "seed_scale", "--scale", str(scale)], env)


@contextlib.contextmanager
def timed(timings: dict, label: str):
    """Record how long the block took under ``label`` (wall-clock seconds) and print it."""
    started = time.monotonic()
    try:
        yield
    finally:
        timings[label] = round(time.monotonic() - started, 1)
        print(f"  {label}: {timings[label]:.0f} s", flush=True)


def render_timings(results: dict) -> str:
    """Where the run's time went: set-up and generation, each scenario, and the total."""
    lines = ["Timing (wall clock, seconds):"]
    for dataset, data in results["datasets"].items():
        timings = data.get("timings", {})
        steps = ", ".join(f"{label} {seconds:.0f}" for label, seconds in timings.items() if label != "total")
        lines.append(f"  {dataset}: {steps}")
        lines.append(f"  {dataset} total: {timings.get('total', 0):.0f} s")
    total = results.get("seconds", 0)
    lines.append(f"  whole run: {total:.0f} s ({total / 60:.1f} min)")
    return "\n".join(lines)


def dataset_facts(env: dict) -> dict:
    """Users of several organizations (the biggest first) with their clinic's practitioners and patients."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 - fixed table names
            for t in (
                "tenancy_organization",
                "tenancy_clinic",
                "patients_patient",
                "scheduling_appointment",
                "billing_invoice",
                "billing_payment",
                "inventory_stockmovement",
                "records_note",
                "records_vital",
            )
        }
        clinics = conn.execute(
            """
            SELECT c.id, c.slug, c.timezone, count(mc.id) AS doctors
            FROM tenancy_clinic c
            JOIN tenancy_membershipclinic mc ON mc.clinic_id = c.id
            JOIN tenancy_membership m ON m.id = mc.membership_id AND m.role = 'practitioner'
            WHERE c.slug LIKE 'bench-clinic-%%'
            GROUP BY c.id ORDER BY doctors DESC, c.id LIMIT 6
            """
        ).fetchall()
        users = []
        for clinic_id, slug, tz, _ in clinics:
            practitioners = [
                r[0]
                for r in conn.execute(
                    "SELECT m.id FROM tenancy_membership m "
                    "JOIN tenancy_membershipclinic mc ON mc.membership_id = m.id "
                    "WHERE mc.clinic_id = %s AND m.role = 'practitioner' ORDER BY m.id",
                    [clinic_id],
                )
            ]
            staff = [
                r[0]
                for r in conn.execute(
                    "SELECT u.email FROM accounts_user u JOIN tenancy_membership m ON m.user_id = u.id "
                    "JOIN tenancy_membershipclinic mc ON mc.membership_id = m.id "
                    "WHERE mc.clinic_id = %s AND m.role = 'staff' ORDER BY m.id LIMIT 1",
                    [clinic_id],
                )
            ]
            service = conn.execute(
                "SELECT id FROM scheduling_service WHERE clinic_id = %s AND duration_minutes = 30",
                [clinic_id],
            ).fetchone()[0]
            patients = [
                r[0]
                for r in conn.execute(
                    "SELECT patient_id FROM patients_patientclinic WHERE clinic_id = %s "
                    "ORDER BY patient_id LIMIT 200",
                    [clinic_id],
                )
            ]
            clinic = {
                "id": clinic_id,
                "slug": slug,
                "practitioners": practitioners,
                "service": service,
                "patients": patients,
                "timezone": tz,
            }
            users.extend({"email": email, "clinic": clinic} for email in staff)
        # The clinical chart scenarios: the patients with the longest history and a practitioner of theirs.
        charts = [
            {"email": email, "clinic": {"slug": slug}, "patient": patient, "note": note}
            for email, slug, patient, note in conn.execute(
                """
                SELECT u.email, c.slug, n.patient_id, max(n.id)
                FROM records_note n
                JOIN tenancy_membership m ON m.id = n.author_id
                JOIN accounts_user u ON u.id = m.user_id
                JOIN tenancy_clinic c ON c.id = n.clinic_id
                WHERE c.slug LIKE 'bench-clinic-%%'
                GROUP BY u.email, c.slug, n.patient_id ORDER BY count(*) DESC LIMIT 6
                """
            )
        ]
        # The biggest organization's owner (reports are theirs to see), at its busiest clinic.
        owner, organization = conn.execute(
            "SELECT u.email, m.organization_id FROM accounts_user u "
            "JOIN tenancy_membership m ON m.user_id = u.id "
            "JOIN tenancy_clinic c ON c.organization_id = m.organization_id "
            "WHERE c.id = %s AND m.role = 'owner' ORDER BY m.id LIMIT 1",
            [clinics[0][0]],
        ).fetchone()
    return {
        "counts": counts,
        "charts": charts,
        "users": users,
        "password": PASSWORD,
        "today": (datetime.now().date()).isoformat(),
        "biggest_clinic_practitioners": clinics[0][3],
        "owners": [{"email": owner, "organization": organization, "clinic": users[0]["clinic"]}],
        "analytics_url": ANALYTICS_URL,
    }


# The dashboard's default period (30 days) and the 30 before it, plus today and tomorrow.
ROLLUP_DAYS = 60


def fill_rollups(env: dict, organization_id: int) -> None:
    """Fill the analytics roll-ups of the organization whose owner the dashboard scenario signs in as, as
    the periodic task keeps them in a running installation; kept between runs like the dataset."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        clinics, rolled = conn.execute(
            "SELECT (SELECT count(*) FROM tenancy_clinic WHERE organization_id = %(org)s AND NOT archived),"
            " (SELECT count(*) FROM analytics_rolledday WHERE organization_id = %(org)s"
            "  AND computed_at IS NOT NULL AND day >= current_date - %(days)s)",
            {"org": organization_id, "days": ROLLUP_DAYS},
        ).fetchone()
    if rolled >= clinics * (ROLLUP_DAYS + 1):
        print("  analytics roll-ups kept from an earlier run", flush=True)
        return
    run(
        [
            str(BIN / "python"),
            "manage.py",
            "analytics_rollup",
            "--organization",
            str(organization_id),
            "--days",
            str(ROLLUP_DAYS),
            "--jobs",
            str(os.cpu_count() or 1),
        ],
        env,
    )


def start_server(env: dict, port: int):
    workers = str(max(2, (os.cpu_count() or 2) * 2))
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "core.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            workers,
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
    )
    cluster = subprocess.Popen(
        # At the priority deploy/entrypoint.sh gives it: background work yields to requests.
        ["nice", "-n", "10", str(BIN / "python"), "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 240  # workers boot slowly on a busy machine
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)  # noqa: S310
            return server, cluster
        except OSError:
            time.sleep(0.5)
    stop(server, cluster)
    raise RuntimeError("gunicorn did not start")


def stop(*processes) -> None:
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def run_worker_scenario(name: str, count: int, facts: dict, env: dict) -> dict:
    """The PDF render time in the worker: ``bench_pdf`` renders ``count`` invoices as the task does."""
    out = run(
        [
            str(BIN / "python"),
            "manage.py",
            "bench_pdf",
            "--invoices",
            str(count),
            "--clinic",
            str(facts["users"][0]["clinic"]["id"]),
        ],
        env,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def wait_for_idle_worker(env: dict, timeout: float = 600) -> float:
    """Wait until the worker cluster has taken every queued task (django-q2's ORM broker deletes a task
    once done), so a scenario is not measured beside the tasks an earlier one queued (each booking
    queues its notifications). Returns the seconds waited."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        while conn.execute("SELECT EXISTS (SELECT 1 FROM django_q_ormq)").fetchone()[0]:
            if time.monotonic() - started > timeout:
                raise SystemExit(f"the worker cluster still had tasks queued after {timeout:.0f} s")
            time.sleep(0.5)
    return time.monotonic() - started


def run_scenario(name: str, users: int, seconds: int, port: int, config_path: Path, env: dict) -> dict:
    prefix = OUT / f"{name}"
    queries_path = OUT / f"{name}.queries.json"
    run(
        [
            os.environ.get("BENCH_LOCUST") or str(BIN / "locust"),  # or a locust installed elsewhere
            "-f",
            "bench/locustfile.py",
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "5",
        ],
        {**env, "BENCH_CONFIG": str(config_path), "BENCH_SCENARIO": name, "BENCH_QUERIES": str(queries_path)},
        check=False,  # locust exits non-zero when requests failed; failures are counted in its statistics
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    label = name.replace("_", " ")
    with open(f"{prefix}_stats.csv") as f:
        row = next((r for r in csv.DictReader(f) if r["Name"] == label), None)
    queries = json.loads(queries_path.read_text()) if queries_path.exists() else []
    if row is None:  # not one request finished in the scenario's time: reported, not fatal
        return {
            "requests": 0,
            "errors": users,
            "rps": 0.0,
            "p50_ms": seconds * 1000.0,
            "p95_ms": seconds * 1000.0,
            "p99_ms": seconds * 1000.0,
            "queries_per_request": None,
            "users": users,
            "note": f"no request finished within {seconds} s",
        }
    return {
        "requests": int(row["Request Count"]),
        "errors": int(row["Failure Count"]),
        "rps": round(float(row["Requests/s"]), 1),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
        "queries_per_request": round(statistics.mean(queries), 1) if queries else None,
        "users": users,
    }


def record_flamegraph(name: str, dataset: str, server, port: int, config_path: Path, env: dict) -> None:
    """Sample the gunicorn workers with py-spy while ``name`` runs again (its figures are not kept): where
    a request's time goes, every function on the stack, waits for the database included."""
    users, seconds = SCENARIOS[name]
    wait_for_idle_worker(env)
    out = ROOT / "docs" / "profiles" / f"{name}-{dataset}.svg"
    command = [
        str(BIN / "py-spy"),
        "record",
        "--pid",
        str(server.pid),
        "--subprocesses",
        "--duration",
        str(max(5, seconds - 8)),
        "--rate",
        "200",
        "--nonblocking",  # does not pause the workers to read their stacks
        "--output",
        str(out),
    ]
    spy: list[subprocess.Popen] = []
    # Started once the clients have signed in (locust resets its figures then too): the sign-ins'
    # password hashes are not what the graph is about.
    starter = threading.Timer(5, lambda: spy.append(subprocess.Popen(command, stdout=subprocess.DEVNULL)))
    starter.start()
    run_scenario(name, users, seconds, port, config_path, env)
    starter.join()
    for process in spy:
        process.wait()
    print(f"[{dataset}] flame graph of {name}: {out.relative_to(ROOT)}", flush=True)


def main(argv) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", default="small,large")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument(
        "--large-scale",
        type=float,
        default=DATASETS["large"],
        help="the 'large' dataset's size (1 = full size); a kept database keeps the size it was made at",
    )
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument(
        "--flamegraph",
        metavar="SCENARIO",
        help="after the measured scenarios, run SCENARIO once more under py-spy (not measured) and write its "
        "flame graph of the gunicorn workers to docs/profiles/<SCENARIO>-<dataset>.svg",
    )
    parser.add_argument(
        "--docs-from", type=Path, help="rewrite the docs' table from a saved results.json, without measuring"
    )
    args = parser.parse_args(argv)
    if args.docs_from:
        results = json.loads(args.docs_from.read_text())
        write_docs(render_table(results), results)
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    base_url, embedded = ensure_database_url(prefer_local=True)
    cache = start_cache()
    if cache is not None:
        atexit.register(stop, cache)
    DATASETS["large"] = args.large_scale
    results = {
        "cores": os.cpu_count(),
        "scales": {name: DATASETS[name] for name in args.datasets.split(",")},
        "started": datetime.now().isoformat(timespec="seconds"),
        "datasets": {},
    }
    run_started = time.monotonic()
    for dataset in args.datasets.split(","):
        dataset_started = time.monotonic()
        timings: dict[str, float] = {}
        env = database_env(base_url, f"{PREFIX}_{dataset}", timings)
        print(f"[{dataset}] preparing", flush=True)
        prepare(env, DATASETS[dataset], timings)
        facts = dataset_facts(env)
        if analytics_built() and "analytics_dashboard" in args.scenarios.split(","):
            with timed(timings, "analytics roll-ups"):
                fill_rollups(env, facts["owners"][0]["organization"])
        clinic_ids = ",".join(str(u["clinic"]["id"]) for u in facts["users"])
        with timed(timings, "portal sites"):
            run([str(BIN / "python"), "manage.py", "bench_portals", "--clinics", clinic_ids], env)
        config_path = OUT / f"config-{dataset}.json"
        config_path.write_text(json.dumps(facts))
        port = free_port()
        with timed(timings, "server start"):
            server, cluster = start_server(env, port)
        figures = {}
        try:
            for name in args.scenarios.split(","):
                users, seconds = SCENARIOS[name]
                if name == "analytics_dashboard" and not analytics_built():
                    print(f"[{dataset}] {name:24} skipped: the analytics module is not built", flush=True)
                    continue
                waited = wait_for_idle_worker(env)
                if waited >= 1:
                    timings[f"{name} (worker queue drained first)"] = round(waited, 1)
                started = time.monotonic()
                if name in WORKER_SCENARIOS:
                    figures[name] = run_worker_scenario(name, seconds, facts, env)
                else:
                    figures[name] = run_scenario(name, users, seconds, port, config_path, env)
                timings[name] = round(time.monotonic() - started, 1)
                f = figures[name]
                print(
                    f"[{dataset}] {name:24} {f['requests']:6} req {f['errors']:3} err {f['rps']:7} rps "
                    f"p50 {f['p50_ms']:6.0f} p95 {f['p95_ms']:6.0f} p99 {f['p99_ms']:6.0f} ms "
                    f"queries {f['queries_per_request']} ({timings[name]:.0f} s)",
                    flush=True,
                )
            if args.flamegraph:
                with timed(timings, f"{args.flamegraph} flame graph"):
                    record_flamegraph(args.flamegraph, dataset, server, port, config_path, env)
        finally:
            stop(server, cluster)
        timings["total"] = round(time.monotonic() - dataset_started, 1)
        results["datasets"][dataset] = {"sizes": facts["counts"], "scenarios": figures, "timings": timings}
    results["seconds"] = round(time.monotonic() - run_started, 1)
    summarize(results)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    table = render_table(results)
    print(table)
    print(render_timings(results))
    if args.write_docs:
        write_docs(table, results)
    if embedded is not None:
        embedded.cleanup()
    return 0


def summarize(results: dict) -> None:
    data = results["datasets"]
    for dataset in data.values():
        floor = dataset["scenarios"].get("floor", {}).get("p50_ms")
        for s in dataset["scenarios"].values():
            s["x_floor"] = round(s["p50_ms"] / floor, 1) if floor else None
    if "small" in data and "large" in data:
        for name, large in data["large"]["scenarios"].items():
            small = data["small"]["scenarios"].get(name)
            if small and small["p50_ms"]:
                large["growth"] = round(large["p50_ms"] / small["p50_ms"], 2)


def render_table(results: dict) -> str:
    lines = [
        "| dataset | scenario | requests | errors | req/s | p50 ms | p95 ms | p99 ms | queries/req | × floor "
        "| growth |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for dataset, data in results["datasets"].items():
        for name, s in data["scenarios"].items():
            lines.append(
                f"| {dataset} | {name} | {s['requests']} | {s['errors']} | {s['rps']} | {s['p50_ms']:.0f} | "
                f"{s['p95_ms']:.0f} | {s['p99_ms']:.0f} | {s['queries_per_request']} | {s.get('x_floor')} | "
                f"{s.get('growth', '')} |"
            )
    return "\n".join(lines)


# scenario: (p95 budget in ms, what it says). Growth (large ÷ small median) ≤ 1.5 for all but analytics.
BUDGETS = {
    "availability_month": (100, "< 100 ms"),
    "booking": (60, "< 60 ms at 8 clients, no errors but 409s"),
    "booking_paced": (60, "< 60 ms at 8 clients booking once a second each, no errors but 409s"),
    "calendar_week": (150, "< 150 ms"),
    "patient_search": (60, "< 60 ms"),
    "patient_detail": (100, "< 100 ms"),
    "portal_home_cached": (10, "< 10 ms and no queries"),
    "invoice_issue": (60, "< 60 ms"),
    "invoice_pdf": (250, "< 250 ms in the worker"),
    "analytics_dashboard": (500, "< 500 ms"),
    "chart_open": (150, "< 150 ms (chart with header, then the timeline's first page)"),
    "note_open": (150, "< 150 ms"),
    "audit_viewer": (200, "< 200 ms (first page unfiltered, then one patient's)"),
}


def render_budgets(results: dict) -> str:
    """Each budget against the full-size figures of this run (the 1% ones when only those were run)."""
    data = results["datasets"]
    dataset = "large" if "large" in data else next(iter(data))
    scenarios = data[dataset]["scenarios"]
    lines = [
        f"Against the budgets ({dataset} dataset, this run):",
        "",
        "| scenario | budget (p95) | p95 ms | queries/req | errors | growth | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, (limit, wording) in BUDGETS.items():
        s = scenarios.get(name)
        if s is None:
            lines.append(f"| {name} | {wording} | | | | | not measured |")
            continue
        met = s["p95_ms"] < limit and s["errors"] == 0 and s.get("requests", 0) > 0
        if name == "portal_home_cached":
            met = met and not s["queries_per_request"]
        growth = s.get("growth")
        if name != "analytics_dashboard" and growth is not None and growth > 1.5:
            met = False
        if met:
            verdict = "met"
        elif s["p95_ms"] >= limit:
            verdict = f"missed ({s['p95_ms'] / limit:.1f}× the budget)"
        else:
            verdict = "missed (errors, queries or growth)"
        lines.append(
            f"| {name} | {wording} | {s['p95_ms']:.0f} | {s['queries_per_request']} | {s['errors']} | "
            f"{growth if growth is not None else ''} | {verdict} |"
        )
    over = [n for n, s in scenarios.items() if n != "analytics_dashboard" and (s.get("growth") or 0) > 1.5]
    lines.append("")
    lines.append(f"Growth ratio over 1.5: {', '.join(over) if over else 'none'}.")
    lines.extend(["", render_floor(scenarios)])
    return "\n".join(lines)


def render_floor(scenarios: dict) -> str:
    """The product's floor against the stack's own (goal: a median within 2× the bare ninja view's)."""
    floor, ninja, django = (
        scenarios.get(n, {}).get("p50_ms") for n in ("floor", "bare_ninja", "bare_django")
    )
    if not (floor and ninja and django):
        return "Floor against the bare views: not measured in this run."
    verdict = "met" if floor <= 2 * ninja else "missed"
    return (
        f"Floor against the bare views: median {floor:.0f} ms = {floor / ninja:.1f}× the bare ninja view's "
        f"({ninja:.0f} ms) and {floor / django:.1f}× the bare Django view's ({django:.0f} ms); "
        f"goal within 2× the bare ninja view: {verdict}."
    )


def write_docs(table: str, results: dict) -> None:
    path = ROOT / "docs" / "performance.md"
    text = path.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    sizes = "; ".join(f"{k}: {v['sizes']}" for k, v in results["datasets"].items())
    scales = ", ".join(f"{name} {scale:g}" for name, scale in results.get("scales", {}).items())
    measured = (
        f"Measured {results['started']} on {results['cores']} cores "
        f"(scales: {scales or 'small 0.01, large 1'}). Dataset sizes — {sizes}."
    )
    block = f"{start}\n{measured}\n\n{table}\n\n{render_budgets(results)}\n{end}"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    path.write_text(head + block + tail)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
