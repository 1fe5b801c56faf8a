"""Generate a clinic-chain-sized dataset quickly (COPY), for the benchmark.

Realistic shape: a few big organizations and many small ones; practitioners working weekdays at one
clinic; patients registered at a clinic; appointments over the past and the coming year that never overlap
(the database's exclusion constraint checks every row). Audit triggers fire as for real data.

    manage.py seed_scale                    # the default sizes below
    manage.py seed_scale --scale 0.01       # 1% of every size

Whatever the scale, the busiest clinics (``--full-size-clinics``, six by default: the ones the benchmark
signs in at) have the practitioners and the appointments per practitioner of the full-size dataset's busiest
clinics, so the two datasets' figures differ by the amount of data around a clinic, not by its size.
Invoices follow the appointments (``invoices`` per ``appointments`` of the sizes, billed from completed
visits) and stock movements the practitioners, so they scale the same way.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pghistory
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from core.accounts.models import User
from core.patients.models import Patient, PatientClinic
from core.tenancy.models import Clinic, Membership, MembershipClinic, Organization, Role

from ... import access_history, billing_ledger, clinical_history, stock_ledger
from ...checks import check
from ...copy import checked_after_load, copy_rows, reserve_ids

PASSWORD = "bench-pass-2026"
DEFAULTS = {
    "organizations": 200,
    "clinics": 500,
    "practitioners": 2000,
    "patients": 300_000,
    "appointments": 1_000_000,
    "invoices": 300_000,
    "stock_movements": 200_000,
    # The access log the audit viewer reads (bench/access_history.py).
    "access_events": 10_000_000,
}
SERVICES = [("Consultation", 30, "80.00"), ("Follow-up", 15, "45.00"), ("Long session", 60, "140.00")]


def weights(n: int) -> list[float]:
    # A few big organizations, a long tail of small ones (Zipf-like).
    return [1 / (i + 1) ** 0.9 for i in range(n)]


def split(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    scale = (total - minimum * len(weights)) / sum(weights)
    counts = [minimum + int(w * scale) for w in weights]
    counts[0] += total - sum(counts)
    return counts


def practitioners_per_clinic(sizes) -> list[list[int]]:
    """Per organization, the practitioners of each of its clinics (the big organizations' get up to 12)."""
    org_weights = weights(sizes["organizations"])
    clinic_counts = split(sizes["clinics"], org_weights)
    per_clinic = split(
        sizes["practitioners"], [w for w, n in zip(org_weights, clinic_counts, strict=True) for _ in range(n)]
    )
    result, k = [], 0
    for n in clinic_counts:
        result.append([min(c, 12) for c in per_clinic[k : k + n]])
        k += n
    return result


def full_size_shape(sizes, clinics: int) -> list[list[int]]:
    """The appointments of each practitioner of the ``clinics`` busiest clinics at full size (plan order)."""
    shape = practitioners_per_clinic(sizes)
    org_weights = weights(sizes["organizations"])
    doctors = [w for w, org in zip(org_weights, shape, strict=True) for n in org for _ in range(n)]
    per_doctor = iter(split(sizes["appointments"], doctors, minimum=0))
    busiest = []
    for org in shape:
        for n in org:
            busiest.append([next(per_doctor) for _ in range(n)])
    return busiest[:clinics]


class Command(BaseCommand):
    help = "Generate a large realistic dataset for the benchmark (see docs/performance.md)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="multiply every default size")
        for name, value in DEFAULTS.items():
            parser.add_argument(f"--{name}", type=int, default=None, help=f"default {value:,}")
        parser.add_argument(
            "--full-size-clinics",
            type=int,
            default=6,
            help="how many of the busiest clinics keep the full-size dataset's shape at any scale",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--prefix", default="bench", help="slug/email prefix of generated organizations")

    def handle(self, *args, **options):
        sizes = {k: options[k] or max(1, int(v * options["scale"])) for k, v in DEFAULTS.items()}
        full = {k: options[k] or v for k, v in DEFAULTS.items()}
        matched = options["full_size_clinics"]
        sizes["clinics"] = max(sizes["clinics"], sizes["organizations"], matched)
        sizes["practitioners"] = max(sizes["practitioners"], sizes["clinics"])
        self.reference = full_size_shape(full, matched)
        self.rng = random.Random(options["seed"])
        self.prefix = options["prefix"]
        self.password = make_password(PASSWORD)
        started = time.monotonic()
        # One transaction for all of it (each table's load nests in it, see bench.copy), closed by the
        # check: a run that fails, or whose data breaks a rule, leaves nothing behind. The history rows of
        # everything generated point to this command's audit context.
        with pghistory.context(command="seed_scale"), transaction.atomic():
            written = self._generate(sizes)
            self._timed("analyze", self._analyze)  # statistics first: the check's queries plan with them
            self._timed("check", check, [org["org"] for org in self.plan])
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {sizes | written} in {time.monotonic() - started:.0f} s. Password: {PASSWORD}"
            )
        )

    def _generate(self, sizes) -> dict:
        plan = self.plan = self._timed("organizations and clinics", self._organizations, sizes)
        self._timed("team", self._team, plan)
        self._timed("patients", self._patients, plan, sizes["patients"])
        generated = self._timed("scheduling", self._scheduling, plan, sizes["appointments"])
        # Invoices bill completed visits at the sizes' ratio, so the full-size clinics bill as at full size.
        invoices = round(generated * sizes["invoices"] / sizes["appointments"])
        invoices = self._timed("billing", billing_ledger.generate, plan, invoices, self.rng)
        movements_per_doctor = sizes["stock_movements"] / sizes["practitioners"]
        movements = self._timed("inventory", stock_ledger.generate, plan, movements_per_doctor, self.rng)
        clinical = self._timed("clinical records", clinical_history.generate, plan, self.rng)
        accesses = self._timed("access log", access_history.generate, plan, sizes["access_events"], self.rng)
        return {
            "appointments": generated,
            "invoices": invoices,
            "stock_movements": movements,
            "access_events": accesses,
            **clinical,
        }

    def _analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def _timed(self, label, step, *args):
        started = time.monotonic()
        result = step(*args)
        self.stdout.write(f"  {label}: {time.monotonic() - started:.1f} s")
        return result

    # --- shape ------------------------------------------------------------------------------------------

    def _weights(self, n: int) -> list[float]:
        return weights(n)

    def _split(self, total: int, weights: list[float], minimum: int = 1) -> list[int]:
        return split(total, weights, minimum)

    def _organizations(self, sizes) -> list[dict]:
        n = sizes["organizations"]
        weights = self._weights(n)
        clinic_counts = self._split(sizes["clinics"], weights)
        org_ids = reserve_ids(Organization, n)
        now = timezone.now()
        copy_rows(
            Organization,
            [
                "id",
                "name",
                "slug",
                "default_locale",
                "logo",
                "require_two_factor",
                "next_record_number",
                "created_at",
            ],
            (
                (oid, f"Scale Org {i + 1}", f"{self.prefix}-org-{oid}", "en", "", False, 1, now)
                for i, oid in enumerate(org_ids)
            ),
        )
        clinic_ids = iter(reserve_ids(Clinic, sum(clinic_counts)))
        plan, rows = [], []
        zones = ["America/New_York", "Europe/Berlin", "Europe/London", "America/Chicago", "Australia/Sydney"]
        for i, oid in enumerate(org_ids):
            tz = zones[i % len(zones)]
            clinics = [next(clinic_ids) for _ in range(clinic_counts[i])]
            for cid in clinics:
                rows.append(
                    (cid, oid, f"Clinic {cid}", f"{self.prefix}-clinic-{cid}", tz, "en", "USD", False, now)
                )
            plan.append({"org": oid, "clinics": clinics, "weight": weights[i], "tz": tz})
        copy_rows(
            Clinic,
            [
                "id",
                "organization",
                "name",
                "slug",
                "timezone",
                "locale",
                "currency",
                "archived",
                "created_at",
            ],
            rows,
        )
        # Practitioners: at least one per clinic, the big organizations' clinics get up to 12; the busiest
        # clinics as many as at full size.
        busiest = iter(self.reference)
        for org, counts in zip(plan, practitioners_per_clinic(sizes), strict=True):
            org["practitioners_per_clinic"] = counts
            org["appointments_per_doctor"] = {}
            for j, cid in enumerate(org["clinics"]):
                full_size = next(busiest, None)
                if full_size is not None:
                    counts[j] = len(full_size)
                    org["appointments_per_doctor"][cid] = full_size
        return plan

    def _team(self, plan) -> None:
        now = timezone.now()
        people = sum(2 + len(o["clinics"]) + sum(o["practitioners_per_clinic"]) for o in plan)
        user_ids = iter(reserve_ids(User, people))
        member_ids = iter(reserve_ids(Membership, people))
        users, members, links = [], [], []
        for org in plan:
            oid = org["org"]

            def person(role, name, clinics, oid=oid):
                uid, mid = next(user_ids), next(member_ids)
                email = f"{role}-{uid}@{self.prefix}.test"
                users.append((uid, email, self.password, name, "", True, False, False, now, 0))
                members.append((mid, oid, uid, role, True, name, "", "", "", "", "", now))
                links.extend((oid, mid, cid) for cid in clinics)
                return mid, email

            org["owner"] = person(Role.OWNER, f"Owner {oid}", org["clinics"])
            org["staff"] = [person(Role.STAFF, "Front desk", [cid]) for cid in org["clinics"]]
            org["doctors"] = {}
            for cid, count in zip(org["clinics"], org["practitioners_per_clinic"], strict=True):
                org["doctors"][cid] = [
                    person(Role.PRACTITIONER, f"Dr {cid}-{j}", [cid])[0] for j in range(count)
                ]
            # One spare person so the owner's email list per org stays predictable.
            person(Role.STAFF, "Office manager", org["clinics"][:1])
        copy_rows(
            User,
            [
                "id",
                "email",
                "password",
                "full_name",
                "preferred_language",
                "is_active",
                "is_staff",
                "is_superuser",
                "date_joined",
                "session_generation",
            ],
            users,
        )
        copy_rows(
            Membership,
            [
                "id",
                "organization",
                "user",
                "role",
                "is_active",
                "display_name",
                "title",
                "specialty",
                "bio",
                "languages",
                "photo",
                "created_at",
            ],
            members,
        )
        copy_rows(MembershipClinic, ["organization", "membership", "clinic"], links)

    def _patients(self, plan, total: int) -> None:
        counts = self._split(total, [o["weight"] for o in plan])
        ids = iter(reserve_ids(Patient, total))
        given = [
            "Emma",
            "Liam",
            "Olivia",
            "Noah",
            "Ava",
            "Mia",
            "Lucas",
            "Sofia",
            "Leon",
            "Hannah",
            "Amir",
            "Yuki",
            "Chloe",
            "Mateo",
            "Zoe",
            "Ivan",
            "Nora",
            "Omar",
            "Lena",
            "Ravi",
        ]
        family = [
            "Smith",
            "Garcia",
            "Müller",
            "Rossi",
            "Nguyen",
            "Kowalski",
            "Johnson",
            "Brown",
            "Silva",
            "Dubois",
            "Jensen",
            "Novak",
            "Khan",
            "Tanaka",
            "Schmidt",
            "Okafor",
            "Larsen",
            "Costa",
        ]
        now = timezone.now()
        rows, links = [], []
        for org, count in zip(plan, counts, strict=True):
            org["patients"] = {cid: [] for cid in org["clinics"]}
            for number in range(1, count + 1):
                pid = next(ids)
                cid = self.rng.choice(org["clinics"])
                org["patients"][cid].append(pid)
                g, f = self.rng.choice(given), self.rng.choice(family)
                born = date(1940, 1, 1) + timedelta(days=self.rng.randrange(0, 30000))
                rows.append(
                    (
                        pid,
                        org["org"],
                        number,
                        g,
                        f"{f}{number % 997}",
                        "",
                        born,
                        "",
                        "",
                        f"{g.lower()}.{number}@example.test",
                        f"+1555{pid:07d}",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        True,
                        False,
                        False,
                        1,
                        now,
                        now,
                    )
                )
                links.append((org["org"], pid, cid, now))
            org["next_record"] = count + 1
        # The trigram index of names is built once over all patients instead of row by row.
        with checked_after_load(Patient, PatientClinic):
            copy_rows(
                Patient,
                [
                    "id",
                    "organization",
                    "record_number",
                    "given_name",
                    "family_name",
                    "preferred_name",
                    "date_of_birth",
                    "sex",
                    "gender_identity",
                    "email",
                    "phone",
                    "address_line1",
                    "address_line2",
                    "city",
                    "postal_code",
                    "country",
                    "emergency_contact_name",
                    "emergency_contact_phone",
                    "preferred_language",
                    "consent_email",
                    "consent_sms",
                    "archived",
                    "version",
                    "created_at",
                    "updated_at",
                ],
                rows,
            )
            copy_rows(PatientClinic, ["organization", "patient", "clinic", "created_at"], links)
            with connection.cursor() as cursor:
                for org in plan:
                    cursor.execute(
                        "UPDATE tenancy_organization SET next_record_number = %s WHERE id = %s",
                        [org["next_record"], org["org"]],
                    )

    def _scheduling(self, plan, total: int) -> int:
        from plugins.scheduling.models import (
            Appointment,
            BookingPolicy,
            Service,
            ServicePractitioner,
            WorkingHours,
        )

        now = timezone.now()
        services, offers, hours, policies = [], [], [], []
        service_ids = iter(reserve_ids(Service, sum(len(o["clinics"]) for o in plan) * len(SERVICES)))
        for org in plan:
            org["services"] = {}
            for cid in org["clinics"]:
                policies.append((org["org"], cid, 60, 180, 15, "instant"))
                org["services"][cid] = []
                for name, minutes, price in SERVICES:
                    sid = next(service_ids)
                    org["services"][cid].append((sid, minutes))
                    services.append(
                        (
                            sid,
                            org["org"],
                            cid,
                            name,
                            minutes,
                            Decimal(price),
                            "USD",
                            0,
                            0,
                            True,
                            "#2563eb",
                            True,
                        )
                    )
                    offers.extend((org["org"], sid, mid) for mid in org["doctors"][cid])
                for mid in org["doctors"][cid]:
                    hours.extend(
                        (org["org"], mid, cid, wd, "08:00", "18:00", date(2020, 1, 1)) for wd in range(5)
                    )
        copy_rows(
            BookingPolicy,
            [
                "organization",
                "clinic",
                "min_notice_minutes",
                "max_days_ahead",
                "slot_granularity_minutes",
                "online_mode",
            ],
            policies,
        )
        copy_rows(
            Service,
            [
                "id",
                "organization",
                "clinic",
                "name",
                "duration_minutes",
                "price",
                "currency",
                "buffer_before_minutes",
                "buffer_after_minutes",
                "bookable_online",
                "colour",
                "active",
            ],
            services,
        )
        copy_rows(ServicePractitioner, ["organization", "service", "membership"], offers)
        copy_rows(
            WorkingHours,
            ["organization", "membership", "clinic", "weekday", "start_time", "end_time", "valid_from"],
            hours,
        )

        doctors = [(org, cid, mid) for org in plan for cid in org["clinics"] for mid in org["doctors"][cid]]
        fixed = {
            mid: count
            for org in plan
            for cid, counts in org["appointments_per_doctor"].items()
            for mid, count in zip(org["doctors"][cid], counts, strict=True)
        }
        rest = [d for d in doctors if d[2] not in fixed]
        shares = iter(
            self._split(max(0, total - sum(fixed.values())), [o["weight"] for o, _, _ in rest], minimum=0)
            if rest
            else []
        )
        per_doctor = [fixed[mid] if mid in fixed else next(shares) for _, _, mid in doctors]
        today = timezone.localdate()
        weekdays = [
            today + timedelta(days=d) for d in range(-365, 366) if (today + timedelta(days=d)).weekday() < 5
        ]
        slots_per_day = 20  # 08:00-18:00 in 30-minute steps

        def rows():
            for (org, cid, mid), count in zip(doctors, per_doctor, strict=True):
                patients = org["patients"][cid] or [p for ps in org["patients"].values() for p in ps]
                if not patients:
                    continue
                count = min(count, len(weekdays) * slots_per_day)
                chosen = self.rng.sample(range(len(weekdays) * slots_per_day), count)
                for slot in chosen:
                    day = weekdays[slot // slots_per_day]
                    sid, minutes = self.rng.choice(org["services"][cid][:2])  # 15/30 minutes: fits the slot
                    local = datetime(day.year, day.month, day.day, 8, 0) + timedelta(minutes=30 * (slot % 20))
                    start = timezone.make_aware(local, timezone=org["tzinfo"]).astimezone(UTC)
                    end = start + timedelta(minutes=minutes)
                    past = day < today
                    status = self.rng.choices(
                        ["completed", "no_show", "cancelled_patient"] if past else ["booked", "requested"],
                        [88, 5, 7] if past else [95, 5],
                    )[0]
                    channel = "portal" if self.rng.random() < 0.35 else "office"
                    yield (
                        org["org"],
                        cid,
                        mid,
                        self.rng.choice(patients),
                        sid,
                        start,
                        end,
                        start,
                        end,
                        False,
                        status,
                        channel,
                        "",
                        "",
                        1,
                        now,
                        now,
                    )

        from zoneinfo import ZoneInfo

        for org in plan:
            org["tzinfo"] = ZoneInfo(org["tz"])
        # The exclusion constraint checks every appointment when it is added back (see bench.copy).
        with checked_after_load(Appointment):
            return copy_rows(
                Appointment,
                [
                    "organization",
                    "clinic",
                    "practitioner",
                    "patient",
                    "service",
                    "start",
                    "end",
                    "occupied_start",
                    "occupied_end",
                    "allow_overlap",
                    "status",
                    "channel",
                    "staff_notes",
                    "cancellation_reason",
                    "version",
                    "created_at",
                    "updated_at",
                ],
                rows(),
            )
