"""The benchmark's access log: ten million reads of patient records at full size (scaled with the rest),
spread over the last year as the office, the portal and the API leave them, so that the audit viewer is
measured against a log of that length.

Each row goes in through COPY with every trigger on: the audit chain's trigger links it into its
organization's hash chain as a recorded request's access would be (see core/audit/chain_sql.py), so the
viewer reads the same chain entries it reads in production, and ``audit_verify`` still passes."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from core.audit.models import AccessEvent

from .copy import copy_rows

FULL_SIZE = 10_000_000
# Category, action, channel and role of a typical read, with how often each is seen (a day of the office
# is mostly calendars, patient pages and charts; exports and PDFs are rare).
READS = [
    (("appointments", "list", "office", "staff"), 30),
    (("demographics", "view", "office", "staff"), 20),
    (("demographics", "list", "office", "staff"), 12),
    (("clinical_notes", "view", "office", "practitioner"), 12),
    (("vitals", "view", "office", "practitioner"), 6),
    (("clinical_lists", "view", "office", "practitioner"), 8),
    (("invoices", "view", "office", "staff"), 6),
    (("invoices", "print", "office", "staff"), 2),
    (("appointments", "view", "portal", "patient"), 3),
    (("demographics", "view", "api", "staff"), 1),
]
AGENT = "Mozilla/5.0 (benchmark)"


def generate(plan, total: int, rng) -> int:
    """Write ``total`` access events over the plan's organizations in proportion to their weight."""
    organizations = [org["org"] for org in plan]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT organization_id, user_id, role FROM tenancy_membership "
            "WHERE organization_id = ANY(%s) AND is_active ORDER BY id",
            [organizations],
        )
        members: dict[int, list[tuple[int, str]]] = {}
        for oid, user, role in cursor.fetchall():
            members.setdefault(oid, []).append((user, role))
        cursor.execute(
            "SELECT organization_id, patient_id, clinic_id FROM patients_patientclinic "
            "WHERE organization_id = ANY(%s) ORDER BY id",
            [organizations],
        )
        patients: dict[int, list[tuple[int, int]]] = {}
        for oid, patient, clinic in cursor.fetchall():
            patients.setdefault(oid, []).append((patient, clinic))
    kinds = [kind for kind, _weight in READS]
    weights = [weight for _kind, weight in READS]
    share = sum(org["weight"] for org in plan if org["org"] in patients and org["org"] in members)
    now = timezone.now()
    year = 365 * 24 * 3600

    readers = [org for org in plan if org["org"] in patients and org["org"] in members]
    counts = [int(total * org["weight"] / share) for org in readers] if share else []
    if counts:
        counts[0] += total - sum(counts)  # what rounding left over goes to the biggest organization

    def rows():
        for org, count in zip(readers, counts, strict=True):
            oid = org["org"]
            staff = members[oid]
            register = patients[oid]
            # Oldest first, as they were recorded: the chain's order follows the time of each read.
            offsets = sorted((rng.random() * year for _ in range(count)), reverse=True)
            for n, offset in enumerate(offsets):
                category, action, channel, role = rng.choices(kinds, weights)[0]
                patient, clinic = rng.choice(register)
                user, member_role = rng.choice(staff)
                actor = None if channel == "portal" else user
                yield (
                    oid,
                    clinic,
                    patient,
                    actor,
                    "" if actor is None else f"member {user}",
                    member_role if actor is not None else role,
                    category,
                    action,
                    channel,
                    f"bench-{oid}-{n}",
                    "10.0.0.1",
                    AGENT,
                    now - timedelta(seconds=offset),
                )

    columns = [
        "organization",
        "clinic",
        "patient",
        "actor",
        "actor_label",
        "role",
        "category",
        "action",
        "channel",
        "request_id",
        "client_address",
        "user_agent",
        "at",
    ]
    return copy_rows(AccessEvent, columns, rows())
