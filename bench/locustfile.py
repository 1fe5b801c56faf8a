"""Load scenarios for the benchmark, driven by ``scripts/bench.py`` (one scenario per locust run).

The scenario name and the dataset facts (users, clinics, practitioners, services, patients) come from the
JSON file named by BENCH_CONFIG; the number of database queries of every response (X-DB-Queries header) is
written to BENCH_QUERIES when the run stops.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

from gevent.event import Event
from locust import HttpUser, between, constant, events, task

CONFIG = json.loads(open(os.environ["BENCH_CONFIG"]).read())  # noqa: SIM115
SCENARIO = os.environ["BENCH_SCENARIO"]
QUERIES: list[int] = []


@events.test_stop.add_listener
def write_queries(**_):
    with open(os.environ["BENCH_QUERIES"], "w") as out:
        json.dump(QUERIES, out)


# Closed loop with no pause (each client sends its next request as soon as the last one is answered), except
# the paced booking scenario: each client books about once a second, as a busy front desk might, pausing
# between half a second and a second and a half after each answer, so that the eight desks do not click
# in step (all eight start together: a fixed pace would keep them sending in bursts of eight).
PACED = {"booking_paced": (0.5, 1.5)}


# Signing in is not what a scenario measures (a password hash costs more than most pages): every client
# signs in first, and the last one to be ready starts the clock, resetting the statistics and the query
# counts, so that the figures hold only the scenario's own requests, all clients running.
READY = Event()
ARRIVED = {"clients": 0}


def start_together(environment) -> None:
    ARRIVED["clients"] += 1
    if ARRIVED["clients"] >= environment.runner.target_user_count:
        environment.runner.stats.reset_all()
        QUERIES.clear()
        READY.set()
    READY.wait()


class FlowFailed(Exception):
    """A step of a flow answered something else than a person would go on from."""


class ClinicUser(HttpUser):
    wait_time = between(*PACED[SCENARIO]) if SCENARIO in PACED else constant(0)
    _flow_queries: list[int] | None = None

    def on_start(self):
        try:
            self.prepare()
        finally:  # a client that failed to sign in must not keep the others waiting
            start_together(self.environment)

    def prepare(self):
        """What a client does before the clock starts: pick who it is, sign in, warm the cache."""
        people = CONFIG["owners"] if SCENARIO in ("analytics_dashboard", "audit_viewer") else CONFIG["users"]
        if SCENARIO in ("chart_open", "note_open"):
            people = CONFIG["charts"]  # practitioners whose patient has the longest clinical history
        self.person = random.choice(people)
        self.clinic = self.person["clinic"]
        if SCENARIO.startswith("bare"):
            return  # anonymous: what any request costs before the product does anything
        if SCENARIO == "portal_signup_booking":
            self.client.cookies.clear()
            return  # a new visitor each time (the flow signs up, so it starts from no session)
        if SCENARIO.startswith("portal"):
            if SCENARIO == "portal_home_cached":
                for _ in range(10):  # every worker process renders the page once, then serves it cached
                    self.client.get(f"/c/{self.clinic['slug']}/", name="warm-up")
            return
        self.client.get("/accounts/login/", name="login page")
        token = self.client.cookies.get("csrftoken")
        response = self.client.post(
            "/accounts/login/",
            {"username": self.person["email"], "password": CONFIG["password"], "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"login failed for {self.person['email']}: {response.status_code}")

    def record(self, response):
        queries = response.headers.get("X-DB-Queries")
        if queries is not None:
            (QUERIES if self._flow_queries is None else self._flow_queries).append(int(queries))
        return response

    @contextmanager
    def flow(self, name):
        """Several requests timed as one: the row ``name`` has the whole flow's time, and its queries are
        the sum of its steps'. The steps have rows of their own too (not in the results table)."""
        self._flow_queries = []
        started = time.perf_counter()
        error = None
        try:
            yield
        except FlowFailed as failed:
            error = failed
        finally:
            queries, self._flow_queries = self._flow_queries, None
        self.environment.events.request.fire(
            request_type="FLOW",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )
        if error is None:
            QUERIES.append(sum(queries))

    def step(self, method, url, name, expected=(200,), **kwargs):
        """One request of a flow; anything but ``expected`` ends the flow as failed."""
        kwargs.setdefault("allow_redirects", False)
        with self.client.request(method, url, name=name, catch_response=True, **kwargs) as response:
            self.record(response)
            if response.status_code in expected:
                response.success()
                return response
            response.failure(f"{response.status_code}: {response.text[:200]}")
        raise FlowFailed(f"{name}: {response.status_code}")

    def get(self, url, name):
        return self.record(self.client.get(url, name=name))

    def post(self, url, payload, name, expected=(200, 201)):
        with self.client.post(
            url,
            json=payload,
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            name=name,
            catch_response=True,
        ) as response:
            self.record(response)
            if response.status_code in expected:
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            return response

    @task
    def scenario(self):
        getattr(self, SCENARIO)()

    # --- scenarios --------------------------------------------------------------------------------------

    def bare_django(self):
        self.get("/bench/bare/django", "bare django")

    def bare_ninja(self):
        self.get("/bench/bare/ninja/clinic", "bare ninja")

    def floor(self):
        self.get(f"/api/v1/clinics/{self.clinic['id']}", "floor")

    def availability_month(self):
        c = self.clinic
        start = date.fromisoformat(CONFIG["today"]) + timedelta(days=random.randint(1, 60))
        practitioner = random.choice(c["practitioners"])
        self.get(
            f"/api/v1/clinics/{c['id']}/scheduling/availability?service={c['service']}&practitioner={practitioner}"
            f"&from={start}&to={start + timedelta(days=30)}",
            "availability month",
        )

    def availability_any_week(self):
        c = self.clinic
        start = date.fromisoformat(CONFIG["today"]) + timedelta(days=random.randint(1, 60))
        self.get(
            f"/api/v1/clinics/{c['id']}/scheduling/availability?service={c['service']}&practitioner=any"
            f"&from={start}&to={start + timedelta(days=6)}",
            "availability any week",
        )

    def booking(self, name="booking"):
        c = self.clinic
        day = date.fromisoformat(CONFIG["today"]) + timedelta(days=random.randint(2, 120))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        local = datetime(day.year, day.month, day.day, 8) + timedelta(minutes=30 * random.randint(0, 19))
        local = local.replace(tzinfo=ZoneInfo(c["timezone"]))  # that day's offset, DST included
        payload = {
            "patient_id": random.choice(c["patients"]),
            "service_id": c["service"],
            "practitioner_id": random.choice(c["practitioners"]),
            "start": local.isoformat(),
        }
        with self.client.post(
            f"/api/v1/clinics/{c['id']}/scheduling/appointments",
            json=payload,
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            name=name,
            catch_response=True,
        ) as response:
            self.record(response)
            if response.status_code in (201, 409):  # a slot just taken is an expected answer
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    def booking_paced(self):
        """The same booking, each client about once a second (``PACED``) instead of back to back."""
        self.booking(name="booking paced")

    def calendar_week(self):
        c = self.clinic
        day = date.fromisoformat(CONFIG["today"]) + timedelta(days=random.randint(-30, 30))
        self.get(f"/office/c/{c['slug']}/scheduling/?view=week&date={day}", "calendar week")

    def today_list(self):
        self.get(f"/office/c/{self.clinic['slug']}/scheduling/today/", "today list")

    def patient_search(self):
        fragment = random.choice(
            ["smi", "garc", "müll", "ross", "nguy", "kowa", "tana", "okaf", "emma", "liam"]
        )
        self.get(f"/office/patients/?q={fragment}", "patient search")

    def patient_detail(self):
        self.get(f"/office/patients/{random.choice(self.clinic['patients'])}/", "patient detail")

    def chart_open(self):
        # What opening a chart costs: the page with its header strip, then the timeline's first page.
        patient = self.person["patient"]
        with self.flow("chart open"):
            self.step("GET", f"/office/patients/{patient}/", "chart")
            self.step(
                "GET",
                f"/office/c/{self.clinic['slug']}/records/patients/{patient}/timeline/",
                "chart timeline",
            )

    def note_open(self):
        self.get(f"/office/c/{self.clinic['slug']}/records/notes/{self.person['note']}/", "note open")

    def portal_home_cached(self):
        self.get(f"/c/{self.clinic['slug']}/", "portal home cached")

    def portal_home_uncached(self):
        # A query string makes the page uncacheable: each request renders it from the page tree.
        self.get(f"/c/{self.clinic['slug']}/?v={random.randint(1, 10**9)}", "portal home uncached")

    def portal_booking(self):
        self.get(f"/c/{self.clinic['slug']}/booking/", "portal booking")

    def portal_signup_booking(self):
        """A new patient on the clinic's portal: registers, follows the emailed link (which signs them
        in), picks the first free time of a day on the booking page and books it. Timed as one flow."""
        c = self.clinic
        base = f"/c/{c['slug']}/"
        self.client.cookies.clear()
        email = f"new-{uuid.uuid4().hex[:16]}@bench.example"
        day = date.fromisoformat(CONFIG["today"]) + timedelta(days=random.randint(2, 60))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        with self.flow("portal signup booking"):
            form = self.step("GET", f"{base}account/register/", "signup: form")
            # The privacy notice the form shows is the one the new patient agrees to.
            notice = re.search(r'name="notice_version" value="([^"]*)"', form.text)
            self.step(
                "POST",
                f"{base}account/register/",
                "signup: register",
                data={
                    "given_name": "Noa",
                    "family_name": f"Newcomer{random.randint(1, 10**6)}",
                    "date_of_birth": "1990-04-12",
                    "email": email,
                    "phone": "",
                    "password": CONFIG["password"],
                    "accept_notice": "on",
                    "notice_version": notice.group(1) if notice else "",
                    "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
                },
                headers={"Referer": f"{self.host}{base}account/register/"},
            )
            # Reading the mail is the person's time, not the product's: outside the flow's rows of steps.
            mail = self.client.get(f"/bench/mail/{email}", name="signup: (read mail)")
            link = re.search(r"/c/[\w-]+/account/verify/[^/\s]+/", mail.text)
            if mail.status_code != 200 or link is None:
                raise FlowFailed("no confirmation email")
            self.step("GET", link.group(0), "signup: confirm email", expected=(302,))
            page = self.step(
                "GET",
                f"{base}booking/?service={c['service']}&practitioner=any&date={day}",
                "signup: free times",
            )
            slot = re.search(r'href="([^"]*scheduling/confirm/\?[^"]+)"', page.text)
            if slot is None:
                raise FlowFailed("no free time that day")
            confirm = unescape(slot.group(1))
            form = self.step("GET", confirm, "signup: confirm page")
            fields = dict(re.findall(r'name="(service|practitioner|start)" value="([^"]*)"', form.text))
            self.step(
                "POST",
                confirm,
                "signup: book",
                expected=(302, 409),  # a time taken meanwhile offers the next ones: an expected answer
                data={**fields, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
                headers={"Referer": f"{self.host}{confirm}"},
            )

    def invoice_issue(self):
        """A draft with one line, then the issue itself (the measured request)."""
        base = f"/api/v1/clinics/{self.clinic['id']}/billing/invoices"
        draft = self.client.post(
            base,
            json={"patient_id": random.choice(self.clinic["patients"])},
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            name="invoice draft",
        )
        if draft.status_code != 201:
            return
        invoice = draft.json()["id"]
        line = self.client.post(
            f"{base}/{invoice}/lines",
            json={"description": "Consultation", "quantity": "1", "unit_price": "80.00"},
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            name="invoice line",
        )
        if line.status_code != 201:
            return
        self.post(f"{base}/{invoice}/issue", {}, "invoice issue", expected=(200,))

    def outstanding_list(self):
        self.get(f"/office/c/{self.clinic['slug']}/billing/outstanding/", "outstanding list")

    def audit_viewer(self):
        """The owner's audit log (changes and accesses): the first page, then one patient's history."""
        patient = random.choice(self.clinic["patients"])
        with self.flow("audit viewer"):
            self.step("GET", "/office/settings/audit/", "audit log")
            self.step("GET", f"/office/settings/audit/?patient={patient}", "audit log of a patient")

    def analytics_dashboard(self):
        self.get(CONFIG["analytics_url"].format(slug=self.clinic["slug"]), "analytics dashboard")
