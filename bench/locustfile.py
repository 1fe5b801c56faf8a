"""Load scenarios for the benchmark, driven by ``scripts/bench.py`` (one scenario per locust run).

The scenario name and the dataset facts (users, clinics, practitioners, services, patients) come from the
JSON file named by BENCH_CONFIG; the number of database queries of every response (X-DB-Queries header) is
written to BENCH_QUERIES when the run stops.
"""

from __future__ import annotations

import json
import os
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

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


class ClinicUser(HttpUser):
    wait_time = between(*PACED[SCENARIO]) if SCENARIO in PACED else constant(0)

    def on_start(self):
        people = CONFIG["owners"] if SCENARIO == "analytics_dashboard" else CONFIG["users"]
        if SCENARIO in ("chart_open", "note_open"):
            people = CONFIG["charts"]  # practitioners whose patient has the longest clinical history
        self.person = random.choice(people)
        self.clinic = self.person["clinic"]
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
            QUERIES.append(int(queries))
        return response

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
        self.get(f"/office/patients/{patient}/", "chart")
        self.get(f"/office/c/{self.clinic['slug']}/records/patients/{patient}/timeline/", "chart timeline")

    def note_open(self):
        self.get(f"/office/c/{self.clinic['slug']}/records/notes/{self.person['note']}/", "note")

    def portal_home_cached(self):
        self.get(f"/c/{self.clinic['slug']}/", "portal home cached")

    def portal_home_uncached(self):
        # A query string makes the page uncacheable: each request renders it from the page tree.
        self.get(f"/c/{self.clinic['slug']}/?v={random.randint(1, 10**9)}", "portal home uncached")

    def portal_booking(self):
        self.get(f"/c/{self.clinic['slug']}/booking/", "portal booking")

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

    def analytics_dashboard(self):
        self.get(CONFIG["analytics_url"].format(slug=self.clinic["slug"]), "analytics dashboard")
